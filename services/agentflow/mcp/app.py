"""``agentflow mcp``: the MCP server alone, without the REST API (one process per replica).

In the embedded profile it opens the data directory itself, so run it instead of
``agentflow serve`` on that directory, not beside it (the gateway mounts the same server at
``/mcp``); in the distributed profile it shares the Qdrant server and catalog with the rest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route

from agentflow.gateway.probes import install_probes
from agentflow.mcp.endpoint import PATH, McpEndpoint
from agentflow.runtime.container import Container, build_container
from agentflow.runtime.readiness import store_checks
from agentflow.settings import Settings


def create_mcp_app(settings: Settings, *, container: Container | None = None) -> Starlette:
    """A Starlette app serving ``/mcp``, ``/healthz`` and ``/readyz``."""
    endpoint = McpEndpoint()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = container or build_container(settings)
        app.state.container = owned
        async with AsyncExitStack() as stack:
            await owned.start()
            stack.push_async_callback(owned.close)
            await stack.enter_async_context(
                endpoint.serving(owned.search, owned.catalog, host=settings.host,
                                 authenticator=owned.authenticator, audit=owned.audit))
            yield

    app = Starlette(lifespan=lifespan, routes=[
        Route(PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE"])])
    install_probes(app, lambda request: store_checks(request.app.state.container))
    return app
