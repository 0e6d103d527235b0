"""The ``answer_question`` workflow: retrieve -> synthesize -> cite -> finalize.

Deterministic: no I/O, clocks or randomness. Each agent call is an activity that times out by
itself; the retry loop and the fall-back chain live here rather than in a ``RetryPolicy`` so that
every retry and every fall-back is announced on the query's stream (``agent`` events
``retrying``/``fallback``, with a global attempt number, so a client drops tokens of earlier
attempts) before the back-off timer, under either engine.

The chain of an agent is its models (primary, then fall-backs, from the job) and finally
``None``: the extractive form, which needs no network. Each link gets ``attempts`` tries.
Passages travel by reference (their chunk ids; the text waits in ``PassageSets``), so the
history of an answer holds ids, the answer's sentences and the citations, not passage text.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any, TypeVar

from agentflow.domain.errors import code_for_error_type
from agentflow.domain.jobs import AnswerInput
from agentflow.domain.messages import AgentName
from agentflow.domain.workflows import ActivityRef
from agentflow.ports.workflow_engine import ActivityError, Task, WorkflowContext, call
from agentflow.workflows.answer_handles import (
    AGENT_EVENT,
    CITE,
    FAIL,
    FINALIZE,
    RETRIEVE,
    SYNTHESIZE,
    AgentCall,
    AgentNotice,
    AgentOutcome,
    Answered,
    Cited,
    QueryFailure,
    QueryRef,
)

OutcomeT = TypeVar("OutcomeT", bound=AgentOutcome)
# Input errors do not get better with retries or other models.
_FINAL_CODES = frozenset({"invalid_input", "invalid_question", "not_found"})
# No such agent or model: another link of the chain may do, retrying this one will not.
_NEXT_LINK_CODES = frozenset({"agent_unavailable"})
EXTRACTIVE = "the extractive agent"


def call_agent(ctx: WorkflowContext, job: AnswerInput, agent: AgentName,
               activity: ActivityRef[AgentCall, OutcomeT], request: AgentCall,
               ) -> Generator[Task, Any, OutcomeT]:
    """Call ``activity`` down the agent's chain, ``job.attempts`` tries per link, with
    exponential back-off between tries of a link.

    Use as ``result = yield from call_agent(...)``; the result's ``fallbacks`` has one line per
    link given up. The last failure is raised."""
    chain: list[str | None] = [*job.chains.get(agent.value, []), None]
    fallbacks: list[str] = []
    attempt = 0
    for link, model in enumerate(chain):
        for tries in range(1, job.attempts + 1):
            attempt += 1
            try:
                result = yield from call(ctx, activity, request.model_copy(
                    update={"attempt": attempt, "model": model}))
                return result.model_copy(update={"fallbacks": fallbacks})
            except ActivityError as error:
                code = code_for_error_type(error.error_type)
                given_up = tries == job.attempts or code in _NEXT_LINK_CODES
                last_link = link == len(chain) - 1
                if code in _FINAL_CODES or (given_up and last_link):
                    status, detail = "failed", error.message
                elif given_up:
                    after = chain[link + 1] or EXTRACTIVE
                    status = "fallback"
                    detail = (f"{model or EXTRACTIVE} failed {tries} time(s), falling back to "
                              f"{after}: {error.message}")
                    fallbacks.append(f"the {agent.value} agent fell back from {model} to "
                                     f"{after} ({error.message})")
                else:
                    status, detail = "retrying", error.message
                yield ctx.call_activity(AGENT_EVENT, input=AgentNotice(
                    tenant_id=job.tenant_id, query_id=job.query_id, trace_id=job.trace_id,
                    traceparent=job.traceparent, agent=agent.value, status=status,
                    attempt=attempt, detail=detail, model=model,
                    fallback_to=chain[link + 1] if status == "fallback" else None))
                if status == "failed":
                    raise
                if status == "fallback":
                    break
                yield ctx.create_timer(timedelta(seconds=job.first_retry_s * 2 ** (tries - 1)))
    raise AssertionError("unreachable")  # pragma: no cover


def answer_question(ctx: WorkflowContext, job: AnswerInput) -> Generator[Task, Any, Any]:
    base = AgentCall.model_validate(job.model_dump(
        exclude={"attempts", "first_retry_s", "chains"}))
    try:
        retrieved = yield from call_agent(ctx, job, AgentName.RETRIEVAL, RETRIEVE, base)
        with_passages = base.model_copy(update={"passages": retrieved.passages})
        synthesized = yield from call_agent(ctx, job, AgentName.SYNTHESIS, SYNTHESIZE,
                                            with_passages)
        cited: Cited | None = None
        if synthesized.sentences:
            try:
                cited = yield from call_agent(ctx, job, AgentName.CITATION, CITE,
                                              with_passages.model_copy(
                                                  update={"sentences": synthesized.sentences}))
            except ActivityError:
                cited = None  # finalize answers without markers and says why
        return (yield ctx.call_activity(FINALIZE, input=Answered(
            **dict(_ref(job)), retrieved=retrieved, synthesized=synthesized, cited=cited)))
    except ActivityError as error:
        return (yield ctx.call_activity(FAIL, input=QueryFailure(
            **dict(_ref(job)), error_type=error.error_type, message=error.message,
            activity=error.activity)))


def _ref(job: AnswerInput) -> QueryRef:
    return QueryRef(query_id=job.query_id, tenant_id=job.tenant_id, trace_id=job.trace_id,
                    traceparent=job.traceparent)
