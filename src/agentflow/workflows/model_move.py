"""The ``move_tenant_model`` workflow: fill a tenant's new embedding generation from its chunks,
a page of documents at a time, then make it the active one (or stop, keeping the old one), and
remove the generation it left.

Deterministic: it plans from activity results only; documents and vectors stay in their stores
(only a listing cursor crosses the history).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from agentflow.domain.embedding_models import MoveRef
from agentflow.domain.workflows import ActivityRef, RetryPolicy
from agentflow.ports.workflow_engine import ActivityError, Task, WorkflowContext, call

RETRY = RetryPolicy(first_retry_interval=timedelta(seconds=1), max_number_of_attempts=4,
                    backoff_coefficient=2.0, max_retry_interval=timedelta(seconds=15))


class MoveBatch(MoveRef):
    """The next page of ready documents to embed, after ``cursor``."""

    cursor: str | None = None


class MoveStep(BaseModel):
    """Where the listing stands after a page (None: every page done), and whether the move
    is still the tenant's (a newer one replaces it)."""

    next_cursor: str | None
    current: bool = True


class MoveFailure(MoveRef):
    """Why the move stopped."""

    message: str


class Retirement(MoveRef):
    """The generation a tenant left (``generation``), whose vectors go."""

    dimension: int


class MoveOutcome(BaseModel):
    """How the move ended: ``moved``, ``moved_not_retired`` (the generation left behind could
    not be removed), ``failed`` or ``superseded``; a move that switched names the generation
    left behind."""

    tenant_id: str
    status: str
    retire: Retirement | None = None


MOVE_BATCH = ActivityRef("move_embed_batch", MoveBatch, MoveStep)
MOVE_FINISH = ActivityRef("move_finish", MoveRef, MoveOutcome)
MOVE_RETIRE = ActivityRef("move_retire", Retirement, MoveOutcome)
MOVE_FAIL = ActivityRef("move_fail", MoveFailure, MoveOutcome)
# Retiring is idempotent and the switch is already made: it is retried for longer.
RETIRE_RETRY = RetryPolicy(first_retry_interval=timedelta(seconds=1), max_number_of_attempts=10,
                           backoff_coefficient=2.0, max_retry_interval=timedelta(seconds=60))


def move_tenant_model(ctx: WorkflowContext, job: MoveRef) -> Generator[Task, Any, Any]:
    try:
        step = yield from call(ctx, MOVE_BATCH, MoveBatch(**job.model_dump()), retry_policy=RETRY)
        while step.current and step.next_cursor is not None:
            step = yield from call(ctx, MOVE_BATCH, MoveBatch(**job.model_dump(),
                                                              cursor=step.next_cursor),
                                   retry_policy=RETRY)
        if not step.current:
            return MoveOutcome(tenant_id=job.tenant_id, status="superseded").model_dump()
        outcome = yield from call(ctx, MOVE_FINISH, job, retry_policy=RETRY)
    except ActivityError as error:
        failure = MoveFailure(**job.model_dump(), message=error.message)
        return (yield ctx.call_activity(MOVE_FAIL, input=failure, retry_policy=RETRY))
    if outcome.retire is not None:
        # A step of its own: a failure here is retried without re-reading a move that has
        # already switched (which would take it for superseded and leave the old vectors).
        try:
            yield from call(ctx, MOVE_RETIRE, outcome.retire, retry_policy=RETIRE_RETRY)
        except ActivityError:  # the switch stands; the workflow's outcome says what is left
            return outcome.model_copy(update={"status": "moved_not_retired"}).model_dump()
    return outcome.model_dump()
