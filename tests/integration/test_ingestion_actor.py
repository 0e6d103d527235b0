"""The ingestion actor (``create_mock_actor``: Dapr's own test double, no sidecar) over a real
engine, catalog and PDF: it ingests its document, its reminder restarts a lost workflow, gives
up after ``MAX_STARTS`` and drops itself once the document is settled."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from dapr.actor.runtime.mock_actor import create_mock_actor

from agentflow.adapters.workflow.inprocess import InProcessWorkflowEngine
from agentflow.domain.documents import Document, DocumentMetadata, DocumentStatus
from agentflow.domain.workflows import WorkflowRef
from agentflow.ingestion.uploads import ReceivedFile
from agentflow.ingestion_service.actor import (
    MAX_STARTS,
    REMINDER,
    STATE,
    IngestionActor,
    IngestionServices,
    actor_id,
)
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import Container, build_container
from tests.conftest import make_settings
from tests.server import free_port


@pytest.fixture
async def started(tmp_path: Path, embedder: Embedder) -> AsyncIterator[Container]:
    """A container whose engine runs, without the embedded queue (the actor owns ingestion)."""
    container = build_container(make_settings(tmp_path / "data"), embedder=embedder)
    await container.engine.start()
    yield container
    await container.engine.shutdown()
    await container.close()


async def _document(container: Container, pdf: Path) -> Document:
    incoming = await container.uploads.open(pdf.name)
    await incoming.feed(pdf.read_bytes())
    sha = await incoming.finish()
    [(document, _)] = await container.uploads.accept(
        "acme", [ReceivedFile(incoming=incoming, sha256=sha)], DocumentMetadata())
    return document


class LostEngine(InProcessWorkflowEngine):
    """An engine that accepts instances and then loses them (a backend restarted empty)."""

    def __init__(self) -> None:
        super().__init__()
        self.scheduled: list[str] = []

    async def schedule_new_workflow(self, workflow: WorkflowRef[Any], *, input: Any,
                                    instance_id: str) -> str:
        self.scheduled.append(instance_id)
        return instance_id


def _actor(container: Container, document: Document) -> Any:
    IngestionActor.services = IngestionServices(engine=container.engine,
                                                catalog=container.catalog,
                                                check_every=timedelta(seconds=5))
    return create_mock_actor(IngestionActor, actor_id(document.tenant_id, document.id))


async def _settled(container: Container, document: Document) -> Document:
    for _ in range(600):
        current = await container.catalog.get_document(document.tenant_id, document.id)
        assert current is not None
        if current.status in (DocumentStatus.READY, DocumentStatus.FAILED):
            return current
        await asyncio.sleep(0.1)
    raise AssertionError("the document never settled")


async def test_the_actor_ingests_and_its_reminder_then_retires(
        started: Container, tiny_pdf: Path) -> None:
    document = await _document(started, tiny_pdf)
    actor = _actor(started, document)
    state = await actor.ingest({"attempt": 0})
    assert REMINDER in actor._state_manager._mock_reminders
    assert actor._state_manager._mock_state[STATE] == state == await actor.status()
    assert (await _settled(started, document)).status is DocumentStatus.READY
    await actor.receive_reminder(REMINDER, b"", timedelta(0), timedelta(0))
    assert REMINDER not in actor._state_manager._mock_reminders


async def test_a_lost_workflow_is_started_again_by_the_reminder(
        started: Container, tiny_pdf: Path) -> None:
    document = await _document(started, tiny_pdf)
    actor = _actor(started, document)
    real = started.engine
    # The workflow engine restarted and lost the instance (its history is gone).
    IngestionActor.services = IngestionServices(engine=LostEngine(), catalog=started.catalog)
    await actor.ingest({"attempt": 0})  # scheduled on an engine with nothing registered
    IngestionActor.services = IngestionServices(engine=real, catalog=started.catalog)
    await actor.receive_reminder(REMINDER, b"", timedelta(0), timedelta(0))
    assert (await actor.status())["starts"] == 2
    assert (await _settled(started, document)).status is DocumentStatus.READY
    assert await started.index.count("acme", document.id) == 13


async def test_after_max_starts_the_document_fails_with_its_reason(
        started: Container, tiny_pdf: Path) -> None:
    document = await _document(started, tiny_pdf)
    actor = _actor(started, document)
    lost = LostEngine()
    IngestionActor.services = IngestionServices(engine=lost, catalog=started.catalog)
    await actor.ingest({"attempt": 0})
    for _ in range(MAX_STARTS):
        await actor.receive_reminder(REMINDER, b"", timedelta(0), timedelta(0))
    failed = await started.catalog.get_document("acme", document.id)
    assert failed is not None and failed.status is DocumentStatus.FAILED
    assert failed.error is not None and failed.error.code == "ingestion_lost"
    assert REMINDER not in actor._state_manager._mock_reminders
    assert len(lost.scheduled) == MAX_STARTS
    assert await started.blobs.exists(failed.blob_key)  # the file is kept for a retry


async def test_the_ingestion_service_hosts_the_actor_for_dapr(
        tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from agentflow.cli.main import parser
    from agentflow.ingestion_service.app import create_ingestion_app
    from tests.fakes.dapr_http import FakeDaprHttp

    # The actor runtime checks its sidecar with a blocking call: serve it on another thread.
    sidecar = FakeDaprHttp({})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(sidecar.app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        monkeypatch.setenv("DAPR_HTTP_ENDPOINT", f"http://127.0.0.1:{port}")
        await _host_actor(tmp_path, embedder, parser, create_ingestion_app, httpx)
    finally:
        server.should_exit = True
        thread.join(10)


async def _host_actor(tmp_path: Path, embedder: Embedder, parser: Any, create_ingestion_app: Any,
                      httpx: Any) -> None:
    assert parser().parse_args(["ingestion"]).run.__name__ == "_ingestion"
    settings = make_settings(tmp_path / "data")
    app = create_ingestion_app(settings, container=build_container(settings, embedder=embedder))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ingestion") as client:
        config = (await client.get("/dapr/config")).json()
        assert config["entities"] == ["IngestionActor"]
        assert (await client.get("/healthz")).status_code == 200  # the chart's probes
        assert (await client.get("/readyz")).json()["status"] == "ready"
        assert IngestionActor.services is not None
    assert IngestionActor.services is None
