"""The same workflows and API on the distributed profile's stores: the catalog and the event
streams in a real Redis, the vectors through qdrant-client (its local mode stands in for a
Qdrant server). State outlives the process: a second app on the same Redis sees it all."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from agentflow.adapters.catalog.redis_catalog import RedisCatalog
from agentflow.adapters.events.redis_log import RedisEventLog
from agentflow.adapters.vector.qdrant_server import QdrantServerIndex
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import Settings, VectorSettings
from tests.conftest import make_settings, redis_scope
from tests.integration.helpers import parse_sse, upload, wait_terminal


def _settings(tmp_path: Path, prefix: str) -> Settings:
    settings = make_settings(tmp_path / "data")
    settings.redis_url = "redis://127.0.0.1:6379/0"
    settings.redis_prefix = prefix
    settings.vector = VectorSettings(url=":memory:")
    return settings


async def test_ingest_and_answer_on_redis_and_a_qdrant_client_index(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    async with redis_scope() as (_, prefix):
        container = build_container(_settings(tmp_path, prefix), embedder=embedder)
        assert isinstance(container.catalog, RedisCatalog)
        assert isinstance(container.events, RedisEventLog)
        assert isinstance(container.index, QdrantServerIndex)
        app = create_app(container=container)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test",
                timeout=60) as client:
            document = (await upload(client, tiny_pdf)).json()["documents"][0]
            assert (await wait_terminal(client, document["id"]))["status"] == "ready"
            progress = parse_sse((await client.get(
                f"/v1/documents/{document['id']}/events")).text)
            assert progress[-1]["event"] == "ready"
            response = await asyncio.wait_for(client.post("/v1/queries", json={
                "question": "What does the text say about information?", "stream": True}), 30)
            events = parse_sse(response.text)
            done = events[-1]["data"]
            assert events[-1]["event"] == "done" and done["citations"]
            # Resume from the middle of the Redis stream: exactly the rest, once.
            middle = events[len(events) // 2]["id"]
            rest = parse_sse((await client.get(f"/v1/queries/{done['query_id']}/stream",
                                               headers={"Last-Event-ID": middle})).text)
            assert [e["id"] for e in rest] == [e["id"] for e in events
                                               if int(e["id"]) > int(middle)]
            ready = (await client.get("/readyz")).json()  # Redis and Qdrant answer
            assert ready["status"] == "ready" and set(ready["checks"].values()) == {"ok"}
        # Another process on the same Redis (a restart, or a second gateway replica).
        again = build_container(_settings(tmp_path / "second", prefix), embedder=embedder)
        app = create_app(container=again)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            listed = (await client.get("/v1/documents")).json()["documents"]
            assert [d["id"] for d in listed] == [document["id"]]
            stored = (await client.get(f"/v1/queries/{done['query_id']}")).json()
            assert stored["status"] == "completed" and stored["answer"] == done["answer"]
            replay = parse_sse((await client.get(f"/v1/queries/{done['query_id']}/stream")).text)
            assert [e["id"] for e in replay] == [e["id"] for e in events]
