"""Append-only, resumable event streams (one per document or query)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from agentflow.domain.events import StreamEvent


class EventLog(Protocol):
    """Streams are named ``{tenant_id}:{kind}:{id}``; ids within a stream increase."""

    async def append(self, stream: str, event: str, data: dict[str, Any]) -> StreamEvent:
        """Add an event to ``stream`` (created on first use) and return it with its new id."""
        ...

    def subscribe(
        self, stream: str, *, after: str | None = None, until: frozenset[str] = frozenset()
    ) -> AsyncIterator[StreamEvent]:
        """Events after id ``after`` (all if None), then live ones; ends after an event whose
        name is in ``until``."""
        ...

    async def last(self, stream: str) -> StreamEvent | None:
        """The newest event of ``stream``; None if it has none."""
        ...

    async def close_stream(self, stream: str) -> None:
        """Forget a stream (its owner was deleted)."""
        ...
