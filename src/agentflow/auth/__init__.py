"""Authentication: API keys and JWTs to a ``Principal`` (tenant and role)."""
