"""Fault: Redis restarts in the middle of an ingestion. The document still ends ``ready`` with
every page and chunk, and nothing recorded before the restart is lost (Redis runs with an
append-only file, as a production Redis must)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentflow.domain.events import StreamEvent
from agentflow.domain.jobs import document_stream
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings
from tests.integration.helpers import upload, wait_terminal
from tests.server import free_port


class RedisServer:
    """A redis-server of this test's own (AOF on, fsync always) that can be killed and restarted."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (.ci/run installs it)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              check=False).stdout.strip() == b"PONG":
                return
            subprocess.run(["sleep", "0.05"], check=False)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


async def test_a_redis_restart_during_ingestion_loses_nothing(
        tmp_path: Path, embedder: Embedder, small_pdf: Path, tiny_pdf: Path,
        redis_server: RedisServer) -> None:
    settings = make_settings(tmp_path / "data")
    settings.redis_url = f"redis://127.0.0.1:{redis_server.port}/0"
    container = build_container(settings, embedder=embedder)
    app = create_app(container=container)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        before = (await upload(client, tiny_pdf)).json()["documents"][0]
        assert (await wait_terminal(client, before["id"]))["status"] == "ready"
        document = (await upload(client, small_pdf)).json()["documents"][0]
        while (await client.get(f"/v1/documents/{document['id']}")).json()[  # noqa: ASYNC110
                "status"] == "pending":
            await asyncio.sleep(0.05)
        stream = document_stream("default", document["id"])

        async def read_all() -> list[StreamEvent]:
            return [e async for e in container.events.subscribe(
                stream, until=frozenset({"ready", "failed"}))]

        reader = asyncio.create_task(read_all())  # a live SSE reader across the restart
        await asyncio.sleep(0.05)
        redis_server.kill()  # mid-ingestion: extraction or embedding is under way
        down = await client.get(f"/v1/documents/{document['id']}")
        assert down.status_code == 503 and down.json()["code"] == "store_unavailable"
        assert down.headers["retry-after"] == "1"
        unready = await client.get("/readyz")  # out of the load balancer, not restarted
        assert unready.status_code == 503 and unready.json()["code"] == "not_ready"
        assert unready.json()["checks"]["catalog"] != "ok"
        assert "catalog" in unready.json()["detail"]
        assert (await client.get("/healthz")).status_code == 200
        await asyncio.sleep(0.5)
        redis_server.start()
        done = await wait_terminal(client, document["id"], timeout_s=120)
        assert done["status"] == "ready", done
        assert done["pages"] == 28 and done["chunks"] > 0
        assert await container.catalog.count_pages("default", document["id"]) == 28
        chunks = await container.catalog.get_chunks("default", document["id"])
        assert len(chunks) == done["chunks"] == await container.index.count("default",
                                                                            document["id"])
        listed = (await client.get("/v1/documents")).json()["documents"]
        assert {d["id"] for d in listed} == {before["id"], document["id"]}  # nothing lost
        assert (await client.get(f"/v1/documents/{before['id']}")).json()["status"] == "ready"
        assert (await client.get("/readyz")).status_code == 200
        seen = await asyncio.wait_for(reader, 30)
        assert seen[-1].event == "ready"
        ids = [int(e.id) for e in seen]
        assert ids == sorted(set(ids))  # every event once, in order
