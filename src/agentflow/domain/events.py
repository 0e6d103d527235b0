"""Events appended to per-document and per-query streams (SSE sources)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class StreamEvent(BaseModel):
    """One event of a stream; ``id`` is monotonic within the stream and resumable."""

    id: str
    event: str
    data: dict[str, Any]
