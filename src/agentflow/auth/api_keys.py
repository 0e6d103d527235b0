"""API keys: ``af_`` + 43 random URL-safe characters (256 bits), shown once, stored as SHA-256.

A plain (unsalted) SHA-256 is enough for keys of 256 random bits: there is nothing to guess,
and the hash must be looked up directly on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from agentflow.domain.identity import ApiKey, Role

KEY_PREFIX = "af_"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_api_key(tenant_id: str, role: Role) -> tuple[str, ApiKey]:
    """The secret (to show once) and the record to store."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(id=f"key_{uuid.uuid4().hex[:16]}", tenant_id=tenant_id, role=role,
                    key_hash=hash_key(secret), prefix=secret[:10],
                    created_at=datetime.now(UTC))
    return secret, record


def looks_like_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)
