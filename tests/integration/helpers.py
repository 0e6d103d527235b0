"""Helpers for tests that go through the HTTP API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from agentflow.runtime.container import Container

TERMINAL = {"ready", "failed"}


@asynccontextmanager
async def app_client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app on ``container``, in process, with its lifespan running."""
    from agentflow.gateway.app import create_app

    app = create_app(container=container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     timeout=60) as client:
            yield client


async def upload(client: httpx.AsyncClient, *paths: Path, metadata: dict[str, Any] | None = None,
                 ) -> httpx.Response:
    files = [("file", (p.name, p.read_bytes(), "application/pdf")) for p in paths]
    data = {"metadata": json.dumps(metadata)} if metadata is not None else None
    return await client.post("/v1/documents", files=files, data=data)


async def wait_terminal(client: httpx.AsyncClient, document_id: str,
                        timeout_s: float = 120) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        body: dict[str, Any] = (await client.get(f"/v1/documents/{document_id}")).json()
        if body["status"] in TERMINAL:
            return body
        if loop.time() > deadline:
            raise AssertionError(f"{document_id} still {body['status']} after {timeout_s}s")
        await asyncio.sleep(0.1)


def parse_sse(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            fields[key] = value
        if "event" in fields:
            fields["data"] = json.loads(fields["data"])
            events.append(fields)
    return events
