"""``agentflow monitor``: the monitoring agent hearing every replica's domain events.

Dapr delivers ``query.*``, ``document.*`` and ``alert.*`` (the app lists them on
``/dapr/subscribe``); ``GET /v1/monitor/report`` gives the live figures. It opens no store and
loads no model: it needs only the event bus.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from agentflow.agents.monitoring import PATTERNS, MonitoringAgent
from agentflow.domain.monitoring import MonitorReport
from agentflow.gateway.routers import dapr_events
from agentflow.runtime.container import build_event_bus
from agentflow.settings import EventBusKind, Settings


def create_monitor_app(settings: Settings) -> FastAPI:
    settings = settings.model_copy(update={"event_bus": EventBusKind.DAPR})
    bus = build_event_bus(settings)
    monitor = MonitoringAgent()
    for pattern in PATTERNS:
        bus.subscribe(pattern, monitor.observe)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        close = getattr(bus, "close", None)
        if close is not None:
            await close()

    app = FastAPI(title="AgentFlow monitor", lifespan=lifespan, openapi_url=None)
    app.state.bus, app.state.monitor = bus, monitor
    app.include_router(dapr_events.router)

    @app.get("/v1/monitor/report")
    async def report() -> MonitorReport:
        return monitor.report()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
