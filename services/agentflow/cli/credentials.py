"""What the client commands (``ingest``, ``ask``) present to a server with auth on."""

from __future__ import annotations

import os

API_KEY_ENV = "AGENTFLOW_API_KEY"


def auth_headers() -> dict[str, str]:
    """``Authorization: Bearer $AGENTFLOW_API_KEY`` (an API key or a JWT), when set."""
    token = os.environ.get(API_KEY_ENV, "").strip()
    return {"Authorization": f"Bearer {token}"} if token else {}
