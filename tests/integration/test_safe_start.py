"""The app refuses an unsafe configuration however it is started: through ``uvicorn
--factory`` as much as through the CLI, and with authentication off it answers loopback only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import MODEL_CACHE, make_settings
from tests.integration.helpers import app_client

FACTORY = "agentflow.gateway.app:create_app"


def _uvicorn(host: str, port: int, data_dir: Path, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "AGENTFLOW_DATA_DIR": str(data_dir),
                   "AGENTFLOW_EMBEDDING__CACHE_DIR": str(MODEL_CACHE), **env}
    environment.pop("AGENTFLOW_AUTH__ENABLED", None)
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", FACTORY, "--host", host,
         "--port", str(port)], env=environment, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_uvicorn_factory_refuses_a_network_host_without_auth(
        tmp_path: Path, free_port: int) -> None:
    server = _uvicorn("127.0.0.1", free_port, tmp_path / "data", AGENTFLOW_HOST="0.0.0.0")
    output, _ = server.communicate(timeout=120)
    assert server.returncode != 0
    assert "refusing to serve on 0.0.0.0 with authentication off" in output


def test_uvicorn_factory_bound_to_every_address_serves_loopback_only(
        tmp_path: Path, free_port: int) -> None:
    server = _uvicorn("0.0.0.0", free_port, tmp_path / "data")
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{free_port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert response.status_code == 200
    finally:
        server.terminate()
        server.communicate(timeout=30)  # reaps it and closes its output pipe


async def test_a_request_on_a_network_address_is_refused_without_auth(
        tmp_path: Path, embedder: Embedder) -> None:
    container = build_container(make_settings(tmp_path / "data"), embedder=embedder)
    async with app_client(container) as client:
        app = create_app(container=container)  # the same middleware stack, another address
        remote = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://192.0.2.10")
        async with remote:
            refused = await remote.get("/v1/documents")
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "forbidden"
        assert "AGENTFLOW_AUTH__ENABLED=true" in refused.json()["detail"]
        assert (await client.get("/v1/documents")).status_code == 200  # in process: served
