"""The FastAPI application: lifespan wiring, trace ids, problem handlers, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import Route

from agentflow.gateway import problems
from agentflow.gateway.guards import LoopbackOnly, RequestGuards
from agentflow.gateway.routers import (
    admin,
    console,
    conversations,
    dapr_events,
    documents,
    embedding,
    events_ws,
    health,
    identity,
    metrics,
    monitoring,
    queries,
)
from agentflow.gateway.telemetry import RequestTelemetry
from agentflow.mcp.endpoint import PATH as MCP_PATH
from agentflow.mcp.endpoint import McpEndpoint
from agentflow.runtime.container import Container, build_container
from agentflow.settings import EventBusKind, Settings

log = structlog.get_logger(__name__)
def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    """Build the app; the container (all adapters) is created and started in the lifespan."""
    settings = settings or (container.settings if container else Settings())
    mcp = McpEndpoint()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # However the app is started (the CLI, ``uvicorn --factory``, a test), an unsafe
        # configuration never serves: no auth off a loopback host, no weak secrets.
        settings.check_safe_to_serve()
        owned = container or build_container(settings)
        app.state.container = owned
        app.state.bus = owned.bus  # what Dapr pub/sub delivers to
        async with AsyncExitStack() as stack:
            await owned.start()
            stack.push_async_callback(owned.close)
            await stack.enter_async_context(
                mcp.serving(owned.search, owned.catalog, host=settings.host,
                            authenticator=owned.authenticator, audit=owned.audit))
            log.info("agentflow_started", profile=settings.profile.value,
                     data_dir=str(settings.data_dir), embedder=owned.embedder.name)
            yield

    app = FastAPI(title="AgentFlow", version="0.1.0", lifespan=lifespan,
                  summary="Multi-agent RAG: PDFs in, cited answers out.")
    problems.install(app)

    app.add_middleware(RequestGuards)
    if not settings.auth.enabled:
        app.add_middleware(LoopbackOnly)
    if settings.cors_origins:  # closed unless configured: browsers refuse cross-origin calls
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Last-Event-ID",
                                          "X-Tenant-ID", "traceparent"],
                           expose_headers=["X-Trace-Id", "Retry-After", "X-Query-Id",
                                           "X-Conversation-Id"], max_age=600)
    app.add_middleware(RequestTelemetry)  # outermost: spans and metrics cover everything inside

    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(documents.router)
    app.include_router(events_ws.router)
    app.include_router(queries.router)
    app.include_router(conversations.router)
    app.include_router(admin.router)
    app.include_router(embedding.router)
    app.include_router(monitoring.router)
    app.include_router(identity.router)
    app.include_router(console.router)  # the web console at / (assets under /console)
    app.mount(console.ASSETS_PATH, console.ConsoleAssets(), name="console")
    # The knowledge base as MCP tools (streamable HTTP), for our retrieval agent and any client.
    app.router.routes.append(Route(MCP_PATH, endpoint=mcp, methods=["GET", "POST", "DELETE"]))
    if settings.event_bus is EventBusKind.DAPR:  # Dapr pub/sub delivers domain events here
        app.include_router(dapr_events.router)
    return app
