"""Per-tenant quotas: documents and bytes stored (429 through the API, nothing kept), model
tokens per UTC day, and a tenant's share of the ingestion queue."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentflow.adapters.catalog.sqlite import SqliteCatalog
from agentflow.adapters.workflow.inprocess import InProcessWorkflowEngine
from agentflow.domain.documents import Document
from agentflow.domain.errors import QuotaExceeded
from agentflow.domain.jobs import INGEST_WORKFLOW, IngestInput
from agentflow.domain.queries import AgentUsage
from agentflow.domain.workflows import ActivityRef
from agentflow.gateway.app import create_app
from agentflow.ingestion.queue import IngestionQueue
from agentflow.ingestion.quotas import Quotas
from agentflow.ports.embedder import Embedder
from agentflow.ports.workflow_engine import Task, WorkflowContext
from agentflow.runtime.container import build_container
from agentflow.settings import LimitSettings
from tests.conftest import make_settings
from tests.integration.helpers import parse_sse, upload, wait_terminal


async def test_uploads_over_the_document_or_byte_quota_are_refused_whole(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path, small_pdf: Path) -> None:
    settings = make_settings(tmp_path)
    settings.limits = LimitSettings(max_documents=2, max_bytes=tiny_pdf.stat().st_size + 10)
    app = create_app(container=build_container(settings, embedder=embedder))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        kept = await upload(client, tiny_pdf)
        assert kept.status_code == 202
        assert (await wait_terminal(client, kept.json()["documents"][0]["id"]))["status"] == \
            "ready"
        question = {"question": "What does the text say about information?", "stream": True}
        before = parse_sse((await client.post("/v1/queries", json=question)).text)[-1]
        too_big = await upload(client, small_pdf)
        assert too_big.status_code == 429 and too_big.json()["code"] == "quota_exceeded"
        assert too_big.json()["quota"] == "bytes"
        listed = (await client.get("/v1/documents")).json()["documents"]
        assert [d["name"] for d in listed] == [tiny_pdf.name]  # nothing of it was kept
        # Nothing lost either: the ready document answers as before the refusal.
        assert listed[0]["status"] == "ready"
        after = parse_sse((await client.post("/v1/queries", json=question)).text)[-1]
        assert after["data"]["answer"] == before["data"]["answer"]
        other = await client.post("/v1/documents", headers={"X-Tenant-ID": "beta"},
                                  files=[("file", (tiny_pdf.name, tiny_pdf.read_bytes(),
                                                   "application/pdf"))])
        assert other.status_code == 202  # quotas are per tenant


async def test_the_document_count_quota(tmp_path: Path) -> None:
    catalog = SqliteCatalog(tmp_path / "catalog.sqlite3")
    quotas = Quotas(catalog, LimitSettings(max_documents=2))
    now = datetime.now(UTC)
    for n in range(2):
        await catalog.add_document(Document(
            id=f"d{n}", tenant_id="acme", name="x.pdf", sha256=f"s{n}", size_bytes=1,
            blob_key="k", created_at=now, updated_at=now))
    await quotas.check_upload("beta", 2, 10)
    with pytest.raises(QuotaExceeded, match="limit of 2") as raised:
        await quotas.check_upload("acme", 1, 10)
    assert raised.value.fields["quota"] == "documents"
    await catalog.close()


async def test_model_tokens_per_day(tmp_path: Path) -> None:
    catalog = SqliteCatalog(tmp_path / "catalog.sqlite3")
    quotas = Quotas(catalog, LimitSettings(llm_tokens_per_day=1000))
    noon = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    usage = {"synthesis": AgentUsage(model="m", input_tokens=700, output_tokens=300)}
    await catalog.record_usage("acme", "q-yesterday", usage, at=datetime(2026, 11, 20, 23,
                                                                            tzinfo=UTC))
    await quotas.check_tokens("acme", now=noon)  # yesterday's use does not count
    await catalog.record_usage("acme", "q1", usage, at=noon)
    with pytest.raises(QuotaExceeded) as raised:
        await quotas.check_tokens("acme", now=noon)
    assert raised.value.fields["retry_after_s"] == 12 * 3600  # until midnight UTC
    await quotas.check_tokens("beta", now=noon)
    await catalog.close()


async def test_one_tenant_cannot_take_every_ingestion_slot(tmp_path: Path) -> None:
    catalog = SqliteCatalog(tmp_path / "catalog.sqlite3")
    engine = InProcessWorkflowEngine()
    running: dict[str, int] = {}
    peak: dict[str, int] = {}
    order: list[str] = []

    work_ref = ActivityRef("work", IngestInput, type(None))

    async def work(ctx: Any, job: IngestInput) -> None:
        tenant = job.tenant_id
        running[tenant] = running.get(tenant, 0) + 1
        peak[tenant] = max(peak.get(tenant, 0), running[tenant])
        order.append(job.document_id)
        await asyncio.sleep(0.2)
        running[tenant] -= 1

    def workflow(ctx: WorkflowContext, job: IngestInput) -> Generator[Task, Any, Any]:
        yield ctx.call_activity(work_ref, input=job)

    engine.register_workflow(INGEST_WORKFLOW, workflow)
    engine.register_activity(work_ref, work)
    await engine.start()
    queue = IngestionQueue(engine, catalog, concurrency=3, per_tenant=1, pages_per_task=8,
                           chunks_per_task=8)
    await queue.start()
    now = datetime.now(UTC)
    for tenant, n in [("acme", 1), ("acme", 2), ("acme", 3), ("acme", 4), ("beta", 1)]:
        queue.submit(Document(id=f"{tenant}-{n}", tenant_id=tenant, name="x.pdf",
                              sha256="s", size_bytes=1, blob_key="k", created_at=now,
                              updated_at=now))
    await asyncio.wait_for(queue.wait_idle(), 10)
    await queue.stop()
    await engine.shutdown()
    await catalog.close()
    assert peak == {"acme": 1, "beta": 1}
    assert order.index("beta-1") < order.index("acme-2")  # beta did not wait behind acme
    assert sorted(order) == ["acme-1", "acme-2", "acme-3", "acme-4", "beta-1"]
