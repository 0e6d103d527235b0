"""Dapr pub/sub delivery: the topics an app hears and the route each is delivered to.

Mounted by the gateway when the event bus is on Dapr, and by ``agentflow monitor``; not part of
the public API (hidden from OpenAPI). The bus comes from ``request.app.state.bus``, which the
gateway and ``agentflow monitor`` each set at start-up.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

router = APIRouter(prefix="/dapr", include_in_schema=False)


def get_bus(request: Request) -> Any:
    """A ``DaprPubSubEventBus`` (``subscriptions``, ``deliver``)."""
    return request.app.state.bus


BusDep = Annotated[Any, Depends(get_bus)]


@router.get("/subscribe")
async def subscriptions(bus: BusDep) -> list[dict[str, str]]:
    subscriptions: list[dict[str, str]] = bus.subscriptions("/dapr/events")
    return subscriptions


@router.post("/events/{topic}")
async def deliver(topic: str, request: Request, bus: BusDep) -> dict[str, str]:
    await bus.deliver(await request.json())
    return {"status": "SUCCESS"}  # acknowledged: a listener's failure must not be redelivered
