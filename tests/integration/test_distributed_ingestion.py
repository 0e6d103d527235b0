"""Uploads in the distributed shape: the gateway hands each document to its ingestion actor over
Dapr's actor API, ``agentflow ingestion`` hosts the actor, which starts ``ingest_document`` on
Dapr's workflow runtime, and ``agentflow orchestrator`` runs it. Four processes' worth of apps
sharing Redis, the blob volume and the sidecars (Dapr's HTTP API and its durabletask backend,
both stand-ins)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from agentflow.gateway.app import create_app
from agentflow.ingestion_service.app import create_ingestion_app
from agentflow.orchestrator.app import create_orchestrator_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import (
    DaprSettings,
    IngestDispatchKind,
    VectorSettings,
    WorkflowEngineKind,
    WorkflowSettings,
)
from tests.conftest import make_settings, redis_scope
from tests.fakes.dapr_http import FakeDaprHttp
from tests.fakes.durabletask_sidecar import FakeSidecar
from tests.integration.helpers import upload, wait_terminal
from tests.server import free_port


async def test_uploads_go_to_their_actor_and_the_orchestrator_ingests_them(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ingestion_host: dict[str, Any] = {}
    dapr = FakeDaprHttp({}, actor_hosts=ingestion_host, app_loop=asyncio.get_running_loop())
    port = free_port()
    # The actor runtime checks its sidecar with a blocking call: serve Dapr from another thread.
    server = uvicorn.Server(uvicorn.Config(dapr.app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    monkeypatch.setenv("DAPR_HTTP_ENDPOINT", f"http://127.0.0.1:{port}")
    try:
        async with redis_scope() as (_, prefix):
            with FakeSidecar() as sidecar:
                def settings(worker: bool) -> Any:
                    made = make_settings(tmp_path / "shared-volume")
                    made.redis_url, made.redis_prefix = "redis://127.0.0.1:6379/0", prefix
                    made.vector = VectorSettings(url=":memory:")
                    made.workflow = WorkflowSettings(engine=WorkflowEngineKind.DAPR,
                                                     worker=worker)
                    made.dapr = DaprSettings(grpc_host=sidecar.host, grpc_port=sidecar.port,
                                             http_endpoint=f"http://127.0.0.1:{port}")
                    made.ingest.dispatch = IngestDispatchKind.DAPR_ACTORS
                    return made

                await _run(settings, embedder, tiny_pdf, dapr, ingestion_host, sidecar)
    finally:
        server.should_exit = True
        thread.join(10)


async def _run(settings: Any, embedder: Embedder, pdf: Path, dapr: FakeDaprHttp,
               ingestion_host: dict[str, Any], sidecar: FakeSidecar) -> None:
    orchestrator = create_orchestrator_app(
        settings(True), container=build_container(settings(True), embedder=embedder))
    ingestion = create_ingestion_app(
        settings(False), container=build_container(settings(False), embedder=embedder))
    ingestion_host["IngestionActor"] = ingestion
    gateway = create_app(container=build_container(settings(False), embedder=embedder))
    async with orchestrator.router.lifespan_context(orchestrator), \
            ingestion.router.lifespan_context(ingestion), \
            gateway.router.lifespan_context(gateway), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway), base_url="http://gateway",
                timeout=60) as client:
        document = (await upload(client, pdf)).json()["documents"][0]
        done = await wait_terminal(client, document["id"])
        assert done["status"] == "ready" and done["chunks"] > 0
        actor = ("IngestionActor", f"default|{document['id']}")
        assert (actor[0], f"{actor[1]}/Ingest") in dapr.calls
        assert dapr.actor_state[actor]["ingestion"]["starts"] == 1
        assert (*actor, "resume") in dapr.reminders  # dropped by its next firing (ready)
        # A gateway restarting hands unfinished documents over again: the same attempt is
        # started once (the actor is idempotent).
        async with httpx.AsyncClient(base_url=settings(False).dapr.http_endpoint) as again:
            answer = await again.post(f"/v1.0/actors/IngestionActor/{actor[1]}/method/Ingest",
                                      json={"attempt": 0})
        assert answer.status_code == 200 and answer.json()["starts"] == 1
    ingests = [i for i in sidecar.hub.instances.values() if i.name == "ingest_document"]
    assert len(ingests) == 1

