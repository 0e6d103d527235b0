"""The ``answer_question`` workflow: retrieve -> synthesize -> cite -> finalize.

Deterministic: no I/O, clocks or randomness. Each agent call is an activity that times out by
itself; the retry loop lives here rather than in a ``RetryPolicy`` so that every retry is
announced on the query's stream (``agent`` event, ``retrying``, with its attempt number) before
the back-off timer, under either engine. Passages travel in the payload: at most ``top_k`` (<= 20)
chunks of <= 256 word pieces, small enough for a Dapr history.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from agentflow.domain.errors import code_for_error_type
from agentflow.domain.messages import AgentName
from agentflow.domain.vectors import SearchFilters
from agentflow.ports.workflow_engine import ActivityError, Task, WorkflowContext

WORKFLOW_NAME = "answer_question"
# Input errors do not get better with retries.
_FINAL_CODES = frozenset({"invalid_input", "invalid_question", "not_found", "agent_unavailable"})


class AnswerInput(BaseModel):
    query_id: str
    tenant_id: str
    trace_id: str | None = None
    question: str
    history: list[str] = Field(default_factory=list)
    top_k: int = 5
    filters: SearchFilters = Field(default_factory=SearchFilters)
    attempts: int = 3
    first_retry_s: float = 0.2


def call_agent(ctx: WorkflowContext, job: AnswerInput, agent: AgentName, activity: str,
               payload: dict[str, Any]) -> Generator[Task, Any, Any]:
    """Call ``activity`` up to ``job.attempts`` times with exponential back-off.

    Use as ``result = yield from call_agent(...)``; the last failure is raised.
    """
    for attempt in range(1, job.attempts + 1):
        try:
            return (yield ctx.call_activity(activity, input={**payload, "attempt": attempt}))
        except ActivityError as error:
            final = attempt == job.attempts or code_for_error_type(error.error_type) in _FINAL_CODES
            yield ctx.call_activity("query_agent_event", input={
                "tenant_id": job.tenant_id, "query_id": job.query_id, "agent": agent.value,
                "status": "failed" if final else "retrying", "attempt": attempt,
                "detail": error.message})
            if final:
                raise
            yield ctx.create_timer(timedelta(seconds=job.first_retry_s * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")  # pragma: no cover


def answer_question(ctx: WorkflowContext, raw: dict[str, Any]) -> Generator[Task, Any, Any]:
    job = AnswerInput.model_validate(raw)
    base = job.model_dump(mode="json", exclude={"attempts", "first_retry_s"})
    try:
        retrieved = yield from call_agent(ctx, job, AgentName.RETRIEVAL, "query_retrieve", base)
        synthesized = yield from call_agent(ctx, job, AgentName.SYNTHESIS, "query_synthesize",
                                            {**base, "passages": retrieved["passages"]})
        cited: dict[str, Any] | None = None
        if synthesized["sentences"]:
            try:
                cited = yield from call_agent(ctx, job, AgentName.CITATION, "query_cite", {
                    **base, "passages": retrieved["passages"],
                    "sentences": synthesized["sentences"]})
            except ActivityError:
                cited = None  # finalize answers without markers and says why
        return (yield ctx.call_activity("query_finalize", input={
            **base, "retrieved": retrieved, "synthesized": synthesized, "cited": cited}))
    except ActivityError as error:
        return (yield ctx.call_activity("query_fail", input={
            **base, "error_type": error.error_type, "message": error.message,
            "activity": error.activity}))
