"""Runs ``ingest_document`` for queued documents, a bounded number at a time.

Embedded mode owns this as asyncio tasks; on start it re-queues every document left
``pending`` or ``processing`` by a crash or restart.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from agentflow.domain.documents import Document
from agentflow.domain.jobs import INGEST_WORKFLOW, IngestInput
from agentflow.domain.workflows import WorkflowStatus
from agentflow.observability.logging import bind_trace_id
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.workflow_engine import WorkflowEngine

log = structlog.get_logger(__name__)


class IngestionQueue:
    """FIFO of ``(tenant_id, document_id)``; ``concurrency`` workflows run at once, at most
    ``per_tenant`` of them for one tenant (a tenant uploading thousands cannot take every
    slot: its next document waits while other tenants' go ahead)."""

    def __init__(
        self, engine: WorkflowEngine, catalog: DocumentRecords, *, concurrency: int,
        pages_per_task: int, chunks_per_task: int, workflow_timeout_s: float = 3600.0,
        per_tenant: int | None = None,
    ) -> None:
        self._engine = engine
        self._catalog = catalog
        self._concurrency = concurrency
        self._pages_per_task = pages_per_task
        self._chunks_per_task = chunks_per_task
        self._timeout_s = workflow_timeout_s
        self._queue: asyncio.Queue[tuple[str, str, int, str | None, str | None]] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._queued: set[tuple[str, str]] = set()
        self._per_tenant = per_tenant or concurrency
        self._running: dict[str, int] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        self._workers = [asyncio.create_task(self._work(), name=f"ingest-worker-{i}")
                         for i in range(self._concurrency)]
        for document in await self._catalog.unfinished_documents():
            log.info("ingestion_resumed", document_id=document.id, tenant_id=document.tenant_id,
                     status=document.status.value)
            self.submit(document)

    async def stop(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers = []

    def submit(self, document: Document) -> None:
        key = (document.tenant_id, document.id)
        if key in self._queued:
            return
        self._queued.add(key)
        self._idle.clear()
        self._queue.put_nowait((document.tenant_id, document.id, document.attempts,
                                document.trace_id, document.traceparent))

    def depth(self) -> int:
        return self._queue.qsize()

    async def wait_idle(self) -> None:
        """Until every submitted document has finished (tests, benchmarks, CLI)."""
        await self._idle.wait()

    async def _next(self) -> tuple[str, str, int, str | None, str | None]:
        """The oldest queued document whose tenant has a free slot (the rest keep their
        turn)."""
        while True:
            item = await self._queue.get()
            if self._running.get(item[0], 0) < self._per_tenant:
                self._running[item[0]] = self._running.get(item[0], 0) + 1
                return item
            self._queue.task_done()
            self._queue.put_nowait(item)
            await asyncio.sleep(0.05)  # the tenant is at its limit: look again shortly

    async def _work(self) -> None:
        while True:
            tenant_id, document_id, attempt, trace_id, traceparent = await self._next()
            # Everything this document's workflow logs carries the trace of its upload.
            structlog.contextvars.clear_contextvars()
            bind_trace_id(trace_id)
            structlog.contextvars.bind_contextvars(tenant_id=tenant_id, document_id=document_id)
            try:
                await self._ingest(tenant_id, document_id, attempt, traceparent)
            except Exception as exc:  # never let one document stop the worker
                log.error("ingestion_crashed", document_id=document_id, error=str(exc))
            finally:
                self._running[tenant_id] -= 1
                self._queued.discard((tenant_id, document_id))
                self._queue.task_done()
                if not self._queued:
                    self._idle.set()

    async def _ingest(self, tenant_id: str, document_id: str, attempt: int,
                      traceparent: str | None) -> None:
        instance_id = f"ingest-{document_id}-{attempt}"
        job = IngestInput(tenant_id=tenant_id, document_id=document_id,
                          pages_per_task=self._pages_per_task,
                          chunks_per_task=self._chunks_per_task, traceparent=traceparent)
        await self._engine.schedule_new_workflow(INGEST_WORKFLOW, input=job,
                                                 instance_id=instance_id)
        state = await self._engine.wait_for_workflow_completion(instance_id,
                                                                timeout_s=self._timeout_s)
        if state.status is WorkflowStatus.FAILED:
            log.error("ingest_workflow_failed", document_id=document_id, error=state.error)
