"""``agentflow ingestion``: the ingestion actors' host (Dapr calls their methods and reminders).

The process runs the workflow engine its actors start workflows on (Dapr's, in the distributed
profile) but not the embedded ingestion queue: here each document's actor owns its ingestion.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dapr.ext.fastapi import DaprActor
from fastapi import FastAPI
from starlette.routing import Route

from agentflow.gateway.probes import readiness_endpoint
from agentflow.gateway.telemetry import RequestTelemetry, install_metrics_route
from agentflow.ingestion_service.actor import IngestionActor, IngestionServices
from agentflow.runtime.container import Container, build_container
from agentflow.runtime.readiness import store_checks
from agentflow.settings import Settings


def create_ingestion_app(settings: Settings, *, container: Container | None = None) -> FastAPI:
    owned = container or build_container(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await owned.engine.start()
        IngestionActor.services = IngestionServices(
            engine=owned.engine, catalog=owned.catalog,
            pages_per_task=settings.ingest.pages_per_extract_task,
            chunks_per_task=settings.ingest.chunks_per_embed_task)
        await actors.register_actor(IngestionActor)
        try:
            yield
        finally:
            IngestionActor.services = None
            await owned.engine.shutdown()
            await owned.close()

    app = FastAPI(title="AgentFlow ingestion actors", version="0.1.0", lifespan=lifespan)
    app.add_middleware(RequestTelemetry)
    install_metrics_route(app)  # this process's activities and batch stages
    actors = DaprActor(app)  # serves /healthz
    app.router.routes.append(Route("/readyz", readiness_endpoint(lambda _: store_checks(owned))))
    return app
