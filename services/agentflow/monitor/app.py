"""``agentflow monitor``: the monitoring agent hearing every replica's domain events.

Dapr delivers ``query.*``, ``document.*`` and ``alert.*`` (the app lists them on
``/dapr/subscribe``); ``GET /v1/monitor/snapshot`` gives the live figures and
``GET /v1/monitor/alerts`` the stored alerts (the gateways' admin API reads both through Dapr).
It opens no store and loads no model: it needs only the event bus (and the alert webhook).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Query

from agentflow.agents.monitoring import PATTERNS
from agentflow.domain.monitoring import Alert, MonitorSnapshot
from agentflow.domain.series import MetricSeries, Resolution
from agentflow.gateway.probes import install_probes
from agentflow.gateway.routers import dapr_events
from agentflow.gateway.telemetry import RequestTelemetry, install_metrics_route
from agentflow.runtime.monitoring import build_monitoring_agent
from agentflow.runtime.records import build_event_bus
from agentflow.settings import EventBusKind, Settings


def create_monitor_app(settings: Settings) -> FastAPI:
    settings = settings.model_copy(update={"event_bus": EventBusKind.DAPR})
    bus = build_event_bus(settings)
    monitor = build_monitoring_agent(settings)
    for pattern in PATTERNS:
        bus.subscribe(pattern, monitor.observe)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        for owner in (bus, monitor):
            close = getattr(owner, "close", None)
            if close is not None:
                await close()

    app = FastAPI(title="AgentFlow monitor", lifespan=lifespan, openapi_url=None)
    app.add_middleware(RequestTelemetry)
    install_metrics_route(app)
    app.state.bus, app.state.monitor = bus, monitor
    app.include_router(dapr_events.router)

    @app.get("/v1/monitor/snapshot")
    async def snapshot() -> MonitorSnapshot:
        return await monitor.snapshot()

    @app.get("/v1/monitor/series")
    async def series(resolution: Resolution = Resolution.MINUTE) -> MetricSeries:
        return await monitor.series(resolution)

    @app.get("/v1/monitor/alerts")
    async def alerts(tenant_id: str | None = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[Alert]:
        return await monitor.alerts(tenant_id=tenant_id, limit=limit)

    install_probes(app, lambda _: {"monitor": lambda: monitor.alerts(limit=1)})
    return app
