"""Dapr pub/sub delivery: the topics this app hears and the route each is delivered to.

Mounted only when the event bus is on Dapr; not part of the public API (hidden from OpenAPI).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from agentflow.gateway.deps import ContainerDep

router = APIRouter(prefix="/dapr", include_in_schema=False)


@router.get("/subscribe")
async def subscriptions(container: ContainerDep) -> list[dict[str, str]]:
    bus: Any = container.bus
    pubsub = container.settings.dapr.pubsub
    return [{"pubsubname": pubsub, "topic": topic, "route": f"/dapr/events/{topic}"}
            for topic in bus.topics()]


@router.post("/events/{topic}")
async def deliver(topic: str, request: Request, container: ContainerDep) -> dict[str, str]:
    bus: Any = container.bus
    await bus.deliver(await request.json())
    return {"status": "SUCCESS"}  # acknowledged: a listener's failure must not be redelivered
