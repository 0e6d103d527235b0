"""Events: those appended to per-document and per-query streams (SSE sources), and domain
events published on the bus."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field


class StreamEvent(BaseModel):
    """One event of a stream; ``id`` is monotonic within the stream and resumable."""

    id: str
    event: str
    data: dict[str, Any]


class DomainEvent(BaseModel):
    """Something that happened, for the platform's own listeners (``alert.agent_fallback``)."""

    id: str = Field(default_factory=lambda: f"evt_{uuid.uuid4().hex}")
    type: str
    tenant_id: str
    trace_id: str | None = None
    traceparent: str | None = None  # W3C trace context of the publishing span
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    data: dict[str, Any] = Field(default_factory=dict)


# The domain event types the platform publishes (Dapr topics are names, not patterns).
TOPICS: tuple[str, ...] = ("alert.agent_fallback", "document.failed", "document.ready",
                           "query.agent_retried", "query.completed", "query.failed")


def sequence_after(after: str | None) -> int:
    """The sequence number a reader resumes after (``Last-Event-ID``); 0 for none or junk."""
    if after is None:
        return 0
    try:
        return max(0, int(after))
    except ValueError:
        return 0
