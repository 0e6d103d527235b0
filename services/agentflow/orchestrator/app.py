"""The orchestrator: ``answer_question`` and ``ingest_document`` with their activities, on
Dapr's workflow runtime. Gateways only start workflows (``AGENTFLOW_WORKFLOW__WORKER=false``);
this process runs them, reaching agents over A2A and stores through the configured adapters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from agentflow.gateway.probes import install_probes
from agentflow.gateway.telemetry import RequestTelemetry, install_metrics_route
from agentflow.runtime.container import Container, build_container
from agentflow.runtime.readiness import store_checks
from agentflow.settings import Settings, WorkflowEngineKind, WorkflowSettings


def create_orchestrator_app(settings: Settings, *, container: Container | None = None) -> FastAPI:
    """An app with ``/healthz`` and ``/readyz`` whose lifespan runs the workflow worker."""
    if settings.workflow.engine is not WorkflowEngineKind.DAPR:
        settings = settings.model_copy(update={"workflow": WorkflowSettings(
            engine=WorkflowEngineKind.DAPR, worker=True)})
    owned = container or build_container(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await owned.engine.start()
        try:
            yield
        finally:
            await owned.close()  # the engine (worker) first, then the stores

    app = FastAPI(title="AgentFlow orchestrator", version="0.1.0", lifespan=lifespan)
    app.add_middleware(RequestTelemetry)
    install_metrics_route(app)  # this process's activities and batch stages

    install_probes(app, lambda _: store_checks(owned))
    return app
