"""Page cursors of document listings: opaque to clients, the same shape for every catalog."""

from __future__ import annotations

import base64


def encode_cursor(created_at: str, document_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at}|{document_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, str]:
    """``(created_at, document_id)``; ``ValueError`` for anything this module did not make."""
    try:
        created_at, document_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("malformed cursor") from None
    return created_at, document_id
