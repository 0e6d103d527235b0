"""The ``ingest_document`` workflow: extract -> chunk -> embed -> index -> ready.

Deterministic: no I/O, clocks or randomness; everything it needs to plan the fan-out arrives in
its input or in activity results. Bulk data (pages, chunks, vectors) never passes through here:
activities hand each other document ids and ordinal ranges.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from agentflow.domain.documents import IngestStage
from agentflow.domain.jobs import IngestInput
from agentflow.domain.workflows import RetryPolicy
from agentflow.ports.workflow_engine import ActivityError, Task, WorkflowContext, call, call_all
from agentflow.workflows.ingest_handles import (
    BEGIN,
    CHUNK,
    COMMIT,
    EMBED,
    EXTRACT,
    FAIL,
    ChunkRange,
    DocumentRef,
    IngestFailure,
    PageRange,
)

ACTIVITY_RETRY = RetryPolicy(
    first_retry_interval=timedelta(seconds=1), max_number_of_attempts=3, backoff_coefficient=2.0,
    max_retry_interval=timedelta(seconds=10),
)


def ranges(total: int, size: int, *, start: int = 0) -> list[tuple[int, int]]:
    """``[start, start+size), ...`` covering ``total`` items."""
    return [(a, min(a + size, start + total)) for a in range(start, start + total, size)]


def ingest_document(ctx: WorkflowContext, job: IngestInput) -> Generator[Task, Any, Any]:
    ref = DocumentRef(tenant_id=job.tenant_id, document_id=job.document_id,
                      traceparent=job.traceparent)
    stage = IngestStage.EXTRACTING
    retry = ACTIVITY_RETRY
    try:
        plan = yield from call(ctx, BEGIN, ref, retry_policy=retry)
        yield from call_all(ctx, EXTRACT, [
            PageRange(**ref.model_dump(), first=a, last=b - 1,
                      scanned=plan.pages_per_task is not None)
            for a, b in ranges(plan.page_count, plan.pages_per_task or job.pages_per_task,
                               start=1)], retry_policy=retry)
        stage = IngestStage.CHUNKING
        chunked = yield from call(ctx, CHUNK, ref, retry_policy=retry)
        stage = IngestStage.EMBEDDING
        yield from call_all(ctx, EMBED, [
            ChunkRange(**ref.model_dump(), start=a, stop=b)
            for a, b in ranges(chunked.count, job.chunks_per_task)], retry_policy=retry)
        stage = IngestStage.INDEXING
        return (yield ctx.call_activity(COMMIT, input=ref, retry_policy=retry))
    except ActivityError as error:
        failure = IngestFailure(**ref.model_dump(), stage=stage, error_type=error.error_type,
                                message=error.message)
        return (yield ctx.call_activity(FAIL, input=failure, retry_policy=retry))
