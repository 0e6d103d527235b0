"""Domain events (``document.*``, ``query.*``, ``alert.*``) published to whoever subscribed.

Unlike the per-document and per-query ``EventLog`` streams that clients read, the bus is for
the platform's own listeners (the monitor, webhooks); a slow or failing listener never blocks
or fails the publisher.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from agentflow.domain.events import DomainEvent

Handler = Callable[[DomainEvent], Awaitable[None]]


class EventBus(Protocol):
    """Fans domain events out to subscribers by type pattern; keeps the newest for ``recent``."""

    async def publish(self, event: DomainEvent) -> None:
        """Deliver ``event`` to every matching subscriber without waiting for them; a failing
        listener is logged, never raised here. A bus that cannot be reached raises
        ``StoreUnavailable``."""
        ...

    def subscribe(self, pattern: str, handler: Handler) -> None:
        """Call ``handler`` for every event whose ``type`` matches the glob ``pattern``
        (``alert.*``)."""
        ...

    def recent(self, pattern: str = "*", limit: int = 100) -> list[DomainEvent]:
        """The newest published events matching ``pattern``, newest first."""
        ...
