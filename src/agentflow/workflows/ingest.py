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
from agentflow.domain.jobs import INGEST_WORKFLOW, IngestInput
from agentflow.domain.workflows import RetryPolicy
from agentflow.ports.workflow_engine import ActivityError, Task, WorkflowContext

WORKFLOW_NAME = INGEST_WORKFLOW
ACTIVITY_RETRY = RetryPolicy(
    first_retry_interval=timedelta(seconds=1), max_number_of_attempts=3, backoff_coefficient=2.0,
    max_retry_interval=timedelta(seconds=10),
)


def ranges(total: int, size: int, *, start: int = 0) -> list[tuple[int, int]]:
    """``[start, start+size), ...`` covering ``total`` items."""
    return [(a, min(a + size, start + total)) for a in range(start, start + total, size)]


def ingest_document(ctx: WorkflowContext, raw: dict[str, Any]) -> Generator[Task, Any, Any]:
    job = IngestInput.model_validate(raw)
    ref = {"tenant_id": job.tenant_id, "document_id": job.document_id,
           "traceparent": job.traceparent}
    stage = IngestStage.EXTRACTING
    try:
        plan = yield ctx.call_activity("ingest_begin", input=ref, retry_policy=ACTIVITY_RETRY)
        yield ctx.when_all([
            ctx.call_activity("ingest_extract", input={**ref, "first": a, "last": b - 1},
                              retry_policy=ACTIVITY_RETRY)
            for a, b in ranges(plan["page_count"], job.pages_per_task, start=1)
        ])
        stage = IngestStage.CHUNKING
        chunked = yield ctx.call_activity("ingest_chunk", input=ref, retry_policy=ACTIVITY_RETRY)
        stage = IngestStage.EMBEDDING
        yield ctx.when_all([
            ctx.call_activity("ingest_embed", input={**ref, "start": a, "stop": b},
                              retry_policy=ACTIVITY_RETRY)
            for a, b in ranges(chunked["chunks"], job.chunks_per_task)
        ])
        stage = IngestStage.INDEXING
        return (yield ctx.call_activity("ingest_commit", input=ref, retry_policy=ACTIVITY_RETRY))
    except ActivityError as error:
        failure = {**ref, "stage": stage.value, "error_type": error.error_type,
                   "message": error.message}
        return (yield ctx.call_activity("ingest_fail", input=failure,
                                        retry_policy=ACTIVITY_RETRY))
