"""``EventBus`` on Dapr pub/sub (Redis behind it in the chart): every replica hears every event.

Publishing is ``POST {dapr}/v1.0/publish/{pubsub}/{event type}``. Dapr delivers to the app's
subscription routes (the gateway's ``/dapr/subscribe`` lists ``topics()``: Dapr topics are names,
not patterns, so the platform's are declared in ``TOPICS``; ``/dapr/events/{topic}`` calls
``deliver``), which runs the matching local handlers. A handler's failure is logged and
acknowledged: Dapr would otherwise redeliver forever.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from typing import Any

import httpx
import structlog

from agentflow.domain.errors import StoreUnavailable
from agentflow.domain.events import TOPICS, DomainEvent
from agentflow.ports.event_bus import Handler

log = structlog.get_logger(__name__)


class DaprPubSubEventBus:
    def __init__(self, dapr_http: str, *, pubsub: str = "pubsub", keep: int = 1_000,
                 token: str | None = None) -> None:
        headers = {"dapr-api-token": token} if token else {}
        self._client = httpx.AsyncClient(base_url=dapr_http, timeout=10, headers=headers)
        self._pubsub = pubsub
        self._handlers: list[tuple[str, Handler]] = []
        self._recent: deque[DomainEvent] = deque(maxlen=keep)

    async def publish(self, event: DomainEvent) -> None:
        try:
            response = await self._client.post(
                f"/v1.0/publish/{self._pubsub}/{event.type}",
                json=event.model_dump(mode="json"))
        except httpx.TransportError as error:
            raise StoreUnavailable(f"Dapr pub/sub is unreachable: {error}", store="pubsub") \
                from error
        if response.status_code >= 300:
            raise StoreUnavailable(f"Dapr pub/sub refused {event.type}: {response.text[:200]}",
                                   store="pubsub")

    def subscribe(self, pattern: str, handler: Handler) -> None:
        self._handlers.append((pattern, handler))

    def recent(self, pattern: str = "*", limit: int = 100) -> list[DomainEvent]:
        matching = [e for e in reversed(self._recent) if fnmatch.fnmatchcase(e.type, pattern)]
        return matching[:limit]

    def topics(self) -> list[str]:
        """Every declared topic: this replica hears them all (``recent`` shows them)."""
        return list(TOPICS)

    def subscriptions(self, route_prefix: str) -> list[dict[str, str]]:
        """What the app answers on ``/dapr/subscribe``: each topic delivered to its own route."""
        return [{"pubsubname": self._pubsub, "topic": topic, "route": f"{route_prefix}/{topic}"}
                for topic in self.topics()]

    async def deliver(self, envelope: dict[str, Any]) -> None:
        """Run the local handlers for one delivery (a CloudEvent whose ``data`` is the event)."""
        event = DomainEvent.model_validate(envelope.get("data", envelope))
        self._recent.append(event)
        for pattern, handler in self._handlers:
            if not fnmatch.fnmatchcase(event.type, pattern):
                continue
            try:
                await handler(event)
            except Exception:  # acknowledged anyway: the listener's bug is its own
                log.exception("event_handler_failed", event_type=event.type,
                              event_id=event.id, trace_id=event.trace_id)

    async def close(self) -> None:
        await self._client.aclose()
