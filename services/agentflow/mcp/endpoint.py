"""``/mcp`` as an ASGI endpoint whose session manager runs inside the host app's lifespan.

Stateless streamable HTTP with JSON responses: every call is one POST that any replica can answer
(no sticky sessions behind a load balancer), and the tenant is read from each request: with auth
on, from its credentials (the endpoint authenticates every request and rewrites ``X-Tenant-ID``
to the principal's tenant before the tools see it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from agentflow.auth.authenticator import Authenticator
from agentflow.domain.errors import InvalidInput, Unauthenticated
from agentflow.domain.tenancy import TENANT_HEADER
from agentflow.gateway.problems import problem
from agentflow.gateway.tenancy import principal_from_headers
from agentflow.mcp.server import build_mcp_server
from agentflow.observability.audit import Auditor
from agentflow.ports.page_store import PageStore
from agentflow.retrieval.search import SearchService

PATH = "/mcp"


class McpEndpoint:
    """Mount with ``Route(PATH, endpoint=McpEndpoint())``; enter ``serving`` in the lifespan."""

    def __init__(self) -> None:
        self._manager: StreamableHTTPSessionManager | None = None
        self._authenticator: Authenticator | None = None

    @asynccontextmanager
    async def serving(self, search: SearchService, catalog: PageStore, *,
                      authenticator: Authenticator | None = None, audit: Auditor | None = None,
                      host: str = "127.0.0.1") -> AsyncIterator[MCPServer]:
        """Build the server and answer requests until the context exits.

        ``host``: the address the app is bound to; on loopback the SDK checks ``Host`` and
        ``Origin`` headers against DNS rebinding."""
        server = build_mcp_server(search, catalog, audit=audit)
        server.streamable_http_app(streamable_http_path=PATH, stateless_http=True,
                                   json_response=True, host=host)
        manager = server.session_manager
        ready, stop = asyncio.Event(), asyncio.Event()

        async def run() -> None:
            # The manager's task group lives in this task: whoever enters and leaves the host's
            # lifespan (possibly from two tasks, as test frameworks do) never touches its scope.
            async with manager.run():
                ready.set()
                await stop.wait()

        task = asyncio.create_task(run(), name="mcp-session-manager")
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done():
            task.result()  # it failed to start: raise why
        self._manager, self._authenticator = manager, authenticator
        try:
            yield server
        finally:
            self._manager, self._authenticator = None, None
            stop.set()
            await task

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._manager is None:
            response = JSONResponse(
                {"type": "about:blank", "title": "Service unavailable", "status": 503,
                 "detail": "the MCP server is not running", "code": "unavailable"},
                status_code=503, media_type="application/problem+json")
            await response(scope, receive, send)
            return
        authenticator = self._authenticator
        if authenticator is not None and authenticator.enabled and scope["type"] == "http":
            try:
                principal = await principal_from_headers(authenticator, Headers(scope=scope))
            except (Unauthenticated, InvalidInput) as error:
                status = 401 if isinstance(error, Unauthenticated) else 400
                response = problem(status, error.code, error.title, error.detail)
                response.headers["WWW-Authenticate"] = 'Bearer realm="agentflow"'
                await response(scope, receive, send)
                return
            tenant = TENANT_HEADER.lower().encode()
            scope = {**scope, "headers": [
                *(h for h in scope["headers"] if h[0].lower() != tenant),
                (tenant, principal.tenant_id.encode())]}
        await self._manager.handle_request(scope, receive, send)
