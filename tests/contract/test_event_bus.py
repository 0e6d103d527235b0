"""EventBus contract: in-process, and Dapr pub/sub (real HTTP through a stand-in for Dapr's
publish API, delivering to the app's own subscription routes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from agentflow.adapters.bus.memory_bus import MemoryEventBus
from agentflow.domain.events import TOPICS, DomainEvent
from agentflow.ports.event_bus import EventBus


@pytest.fixture(params=["memory", "dapr"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    if request.param == "memory":
        adapter = MemoryEventBus(keep=3)
        yield adapter
        await adapter.drain()
        return

    from fastapi import FastAPI

    from agentflow.adapters.bus.dapr_pubsub import DaprPubSubEventBus
    from agentflow.gateway.routers import dapr_events
    from tests.fakes.dapr_http import FakeDaprHttp
    from tests.live import serving
    from tests.server import free_port

    port = free_port()
    dapr_bus = DaprPubSubEventBus(f"http://127.0.0.1:{port}", keep=3)

    gateway = FastAPI()  # the gateway's own delivery routes, over this bus
    gateway.include_router(dapr_events.router)
    gateway.state.bus = dapr_bus
    dapr = FakeDaprHttp({"gateway": gateway})
    async with serving(dapr.app, port):
        yield dapr_bus
        assert {topic for _, topic in dapr.published} <= set(TOPICS)
    await dapr_bus.close()


async def test_subscribers_get_matching_events_and_a_failing_one_harms_nobody(
        bus: EventBus) -> None:
    alerts: list[str] = []
    everything: list[str] = []
    delivered = asyncio.Event()

    async def on_alert(event: DomainEvent) -> None:
        alerts.append(event.type)

    async def broken(event: DomainEvent) -> None:
        raise RuntimeError("listener bug")

    async def on_any(event: DomainEvent) -> None:
        everything.append(event.type)
        if len(everything) == 2:
            delivered.set()

    bus.subscribe("alert.*", on_alert)
    bus.subscribe("alert.*", broken)
    bus.subscribe("*", on_any)
    await bus.publish(DomainEvent(type="alert.agent_fallback", tenant_id="a", trace_id="t"))
    await bus.publish(DomainEvent(type="query.completed", tenant_id="a"))
    await asyncio.wait_for(delivered.wait(), 5)
    await asyncio.sleep(0)
    assert alerts == ["alert.agent_fallback"]
    assert everything == ["alert.agent_fallback", "query.completed"]


async def test_recent_events_are_kept_newest_first_and_bounded(bus: EventBus) -> None:
    for n in range(5):
        await bus.publish(DomainEvent(type="alert.agent_fallback", tenant_id="a", data={"n": n}))
    assert [e.data["n"] for e in bus.recent("alert.*")] == [4, 3, 2]
    assert bus.recent("query.*") == [] and len(bus.recent(limit=1)) == 1
