"""The real app served by uvicorn on a loopback port inside the test's event loop.

For clients that speak real HTTP (the MCP SDK's client, the OpenAI Agents SDK's MCP connection).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from tests.server import free_port


@asynccontextmanager
async def serving(app: ASGIApp, port: int | None = None) -> AsyncIterator[str]:
    """Serve ``app`` (lifespan included) on 127.0.0.1 and yield its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port or free_port(), log_level="warning",
                            lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
