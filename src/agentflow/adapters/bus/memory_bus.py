"""``EventBus`` in one process: handlers run as tasks, the newest events are kept for reading."""

from __future__ import annotations

import asyncio
import fnmatch
from collections import deque

import structlog

from agentflow.domain.events import DomainEvent
from agentflow.ports.event_bus import Handler

log = structlog.get_logger(__name__)


class MemoryEventBus:
    def __init__(self, *, keep: int = 1_000) -> None:
        self._handlers: list[tuple[str, Handler]] = []
        self._recent: deque[DomainEvent] = deque(maxlen=keep)
        self._tasks: set[asyncio.Task[None]] = set()

    async def publish(self, event: DomainEvent) -> None:
        self._recent.append(event)
        for pattern, handler in self._handlers:
            if fnmatch.fnmatchcase(event.type, pattern):
                task = asyncio.create_task(self._deliver(handler, event))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def subscribe(self, pattern: str, handler: Handler) -> None:
        self._handlers.append((pattern, handler))

    def recent(self, pattern: str = "*", limit: int = 100) -> list[DomainEvent]:
        matching = [e for e in reversed(self._recent) if fnmatch.fnmatchcase(e.type, pattern)]
        return matching[:limit]

    async def drain(self) -> None:
        """Wait for the handlers of everything published so far (for shutdown and tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    @staticmethod
    async def _deliver(handler: Handler, event: DomainEvent) -> None:
        try:
            await handler(event)
        except Exception:  # a listener's failure is its own: log it, never re-raise
            log.exception("event_handler_failed", event_type=event.type, event_id=event.id,
                          trace_id=event.trace_id)
