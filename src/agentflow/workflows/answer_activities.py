"""Activities of ``answer_question``: agent calls through the transport, events, the record.

Every agent call is bounded here, inside the activity, so a hung agent surfaces as
``AgentTimeout`` (retried by the workflow) and never as a hung stream: by ``agent_timeout_s``
for an extractive call, by ``llm_call_s`` for a model's (whose agent also cuts a model off after
``agent_timeout_s`` without a token). A fall-back is logged as an error with the trace id and
published as an ``alert.agent_fallback`` domain event.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import structlog

from agentflow.domain.errors import AgentTimeout, NotFound
from agentflow.domain.events import DomainEvent
from agentflow.domain.jobs import query_stream
from agentflow.domain.messages import (
    AgentMessage,
    AgentName,
    CitationRequest,
    CitationResponse,
    RetrievalRequest,
    RetrievalResponse,
    SynthesisRequest,
    SynthesisResponse,
)
from agentflow.domain.queries import AgentUsage, Passage, QueryRecord
from agentflow.observability import metrics, tracing
from agentflow.observability.audit import Auditor
from agentflow.ports.agent_transport import AgentTransport, ResponseT
from agentflow.ports.event_bus import EventBus
from agentflow.ports.event_log import EventLog
from agentflow.ports.passage_sets import PassageSets
from agentflow.ports.query_records import QueryRecords
from agentflow.ports.usage_ledger import UsageLedger
from agentflow.ports.workflow_engine import ActivityContext, WorkflowEngine
from agentflow.workflows.answer_handles import (
    AGENT_EVENT,
    CITE,
    FAIL,
    FINALIZE,
    RETRIEVE,
    SYNTHESIZE,
    AgentCall,
    AgentNotice,
    Answered,
    Cited,
    QueryFailure,
    QueryRef,
    QuerySettled,
    Retrieved,
    Synthesized,
)
from agentflow.workflows.answer_result import compose_result, failure_problem

log = structlog.get_logger(__name__)


class AnswerRecords(QueryRecords, UsageLedger, Protocol):
    """What answering activities write: query records and usage."""


@dataclass
class AnswerActivities:
    transport: AgentTransport
    catalog: AnswerRecords
    events: EventLog
    bus: EventBus
    audit: Auditor
    passages: PassageSets  # retrieved passages, by query, while it is answered
    agent_timeout_s: float
    llm_call_s: float = 120.0

    def register(self, engine: WorkflowEngine) -> None:
        engine.register_activity(RETRIEVE, self.retrieve)
        engine.register_activity(SYNTHESIZE, self.synthesize)
        engine.register_activity(CITE, self.cite)
        engine.register_activity(AGENT_EVENT, self.agent_event)
        engine.register_activity(FINALIZE, self.finalize)
        engine.register_activity(FAIL, self.fail)

    async def _emit(self, job: QueryRef, event: str, data: Mapping[str, object]) -> None:
        await self.events.append(query_stream(job.tenant_id, job.query_id), event, dict(data))

    async def _call(self, job: AgentCall, agent: AgentName, request: AgentMessage,
                    response_type: type[ResponseT]) -> tuple[ResponseT, float]:
        attempt, model = job.attempt, job.model
        await self._emit(job, "agent", {"agent": agent.value, "status": "started",
                                        "attempt": attempt,
                                        "detail": f"model {model}" if model else ""})
        limit = self.agent_timeout_s if model is None else self.llm_call_s
        facts = {"query_id": job.query_id, "model": model, "attempt": attempt}
        outcome, started = "failed", time.perf_counter()
        with structlog.contextvars.bound_contextvars(agent=agent.value), tracing.span(
                f"agent {agent.value}", agent=agent.value, model=model, attempt=attempt,
                attributes={"agentflow.query_id": job.query_id}) as current:
            # The A2A message carries this span's context to the agent, wherever it runs.
            request = request.model_copy(update={"traceparent": tracing.traceparent()})
            try:
                response = await asyncio.wait_for(
                    self.transport.call(agent, request, response_type), limit)
                outcome = "ok"
            except TimeoutError:
                outcome = "timeout"
                await self._audit(job, agent.value, "failed", **facts, reason="timeout")
                raise AgentTimeout(f"the {agent.value} agent did not answer within {limit:g}s",
                                   agent=agent.value) from None
            except Exception as error:
                await self._audit(job, agent.value, "failed", **facts,
                                  reason=type(error).__name__)
                raise
            finally:
                elapsed = time.perf_counter() - started
                current.set_attribute("agentflow.outcome", outcome)
                metrics.agent_invocations.labels(agent=agent.value, outcome=outcome).inc()
                metrics.agent_duration.labels(agent=agent.value, outcome=outcome).observe(elapsed)
                log.debug("agent_called", outcome=outcome, model=model, attempt=attempt,
                          query_id=job.query_id, tenant_id=job.tenant_id,
                          elapsed_ms=round(elapsed * 1000, 1))
        elapsed_ms = elapsed * 1000
        await self._audit(job, agent.value, "ok", **facts, elapsed_ms=round(elapsed_ms, 1))
        await self._emit(job, "agent", {"agent": agent.value, "status": "completed",
                                        "attempt": attempt, "detail": f"{elapsed_ms:.0f} ms"})
        return response, elapsed_ms

    async def _audit(self, job: QueryRef, agent: str, outcome: str,
                     **detail: str | int | float | None) -> None:
        await self.audit.record(job.tenant_id, agent, f"agent.{agent}", outcome, detail,
                                trace_id=job.trace_id)

    async def _passages(self, job: AgentCall) -> list[Passage]:
        """The passages retrieval kept for this query: the very ones the workflow names."""
        found = await self.passages.get(job.tenant_id, job.query_id)
        if found is None or [p.chunk_id for p in found] != job.passages:
            raise NotFound("the passages retrieved for this query are no longer held",
                                query_id=job.query_id)
        return found

    async def retrieve(self, ctx: ActivityContext, job: AgentCall) -> Retrieved:
        request = RetrievalRequest(trace_id=job.trace_id, tenant_id=job.tenant_id,
                                   query_id=job.query_id, model=job.model,
                                   question=job.question, history=job.history,
                                   top_k=job.top_k, filters=job.filters)
        response, ms = await self._call(job, AgentName.RETRIEVAL, request, RetrievalResponse)
        await self.passages.put(job.tenant_id, job.query_id, response.passages)
        await self._emit(job, "retrieval", {"passages": [
            {"chunk_id": p.chunk_id, "document_id": p.document_id,
             "document_name": p.document_name, "page": p.page_start, "page_end": p.page_end,
             "score": round(p.score, 6)}
            for p in response.passages], "routing": response.routing.model_dump(mode="json")})
        return Retrieved(passages=[p.chunk_id for p in response.passages],
                         usage=response.usage, elapsed_ms=ms)

    async def synthesize(self, ctx: ActivityContext, job: AgentCall) -> Synthesized:
        stream = query_stream(job.tenant_id, job.query_id)
        request = SynthesisRequest(trace_id=job.trace_id, tenant_id=job.tenant_id,
                                   query_id=job.query_id, model=job.model,
                                   question=job.question, history=job.history,
                                   passages=await self._passages(job), stream=stream,
                                   attempt=job.attempt)
        started_at = time.time()
        response, ms = await self._call(job, AgentName.SYNTHESIS, request, SynthesisResponse)
        return Synthesized(**response.model_dump(), elapsed_ms=ms, started_at=started_at)

    async def cite(self, ctx: ActivityContext, job: AgentCall) -> Cited:
        request = CitationRequest(trace_id=job.trace_id, tenant_id=job.tenant_id,
                                  query_id=job.query_id, model=job.model,
                                  passages=await self._passages(job), sentences=job.sentences)
        response, ms = await self._call(job, AgentName.CITATION, request, CitationResponse)
        return Cited(**response.model_dump(), elapsed_ms=ms)

    async def agent_event(self, ctx: ActivityContext, job: AgentNotice) -> None:
        await self._emit(job, "agent", {"agent": job.agent, "status": job.status,
                                        "attempt": job.attempt, "detail": job.detail})
        facts = {"agent": job.agent, "status": job.status, "attempt": job.attempt,
                 "model": job.model, "query_id": job.query_id, "tenant_id": job.tenant_id,
                 "trace_id": job.trace_id, "detail": job.detail}
        await self._audit(job, job.agent, job.status, query_id=job.query_id, model=job.model,
                          attempt=job.attempt, reason=job.detail[:200])
        if job.status == "retrying":
            metrics.agent_retries.labels(agent=job.agent).inc()
            log.warning("agent_call_failed", **facts)
            await self.bus.publish(DomainEvent(  # the monitor counts the agent's failed calls
                type="query.agent_retried", tenant_id=job.tenant_id, trace_id=job.trace_id,
                traceparent=tracing.traceparent(),
                data={"query_id": job.query_id, "agent": job.agent, "model": job.model,
                      "attempt": job.attempt}))
            return
        log.error("agent_fallback" if job.status == "fallback" else "agent_call_failed",
                  **facts)
        if job.status == "fallback":
            metrics.agent_fallbacks.labels(agent=job.agent).inc()
            await self.bus.publish(DomainEvent(
                type="alert.agent_fallback", tenant_id=job.tenant_id, trace_id=job.trace_id,
                traceparent=tracing.traceparent(),
                data={"query_id": job.query_id, "agent": job.agent, "from_model": job.model,
                      "to_model": job.fallback_to, "attempt": job.attempt,
                      "reason": job.detail}))

    async def _record(self, job: QueryRef) -> QueryRecord:
        record = await self.catalog.get_query(job.tenant_id, job.query_id)
        if record is None:
            raise NotFound("the query record is gone", query_id=job.query_id)
        return record

    async def finalize(self, ctx: ActivityContext, job: Answered) -> QuerySettled:
        record = await self._record(job)
        result = compose_result(job, created_at=record.created_at, now=datetime.now(UTC))
        for citation in result.citations:
            await self._emit(job, "citation", citation.model_dump(mode="json"))
        record.status, record.result = record.status.COMPLETED, result
        record.updated_at = datetime.now(UTC)
        await self.catalog.save_query(record)
        await self.catalog.record_usage(record.tenant_id, record.id, result.usage,
                                        at=record.updated_at)
        await self.passages.drop(job.tenant_id, job.query_id)
        await self._emit(job, "agent", {"agent": AgentName.ORCHESTRATOR.value,
                                        "status": "completed", "attempt": 1, "detail": ""})
        await self._emit(job, "done", result.model_dump(mode="json"))
        _count_answer(record.tenant_id, result.usage, result.timings_ms)
        await self.bus.publish(DomainEvent(
            type="query.completed", tenant_id=record.tenant_id, trace_id=record.trace_id,
            traceparent=tracing.traceparent(),
            data={"query_id": record.id, "usage": {k: v.model_dump() for k, v in result.usage.items()},
                  "timings_ms": result.timings_ms, "partial": result.partial,
                  "warnings": len(result.warnings), "citations": len(result.citations)}))
        log.info("query_answered", query_id=record.id, tenant_id=record.tenant_id,
                 citations=len(result.citations), confidence=result.confidence,
                 total_ms=result.timings_ms.get("total"))
        return QuerySettled(status=record.status.value)

    async def fail(self, ctx: ActivityContext, job: QueryFailure) -> QuerySettled:
        record = await self._record(job)
        problem = failure_problem(job)
        record.status, record.error = record.status.FAILED, problem
        record.updated_at = datetime.now(UTC)
        await self.catalog.save_query(record)
        await self.passages.drop(job.tenant_id, job.query_id)
        await self._emit(job, "agent", {"agent": AgentName.ORCHESTRATOR.value,
                                        "status": "failed", "attempt": 1,
                                        "detail": problem["detail"]})
        await self._emit(job, "error", problem)
        metrics.queries.labels(outcome="failed").inc()
        metrics.query_duration.labels(outcome="failed").observe(
            (record.updated_at - record.created_at).total_seconds())
        await self.bus.publish(DomainEvent(
            type="query.failed", tenant_id=record.tenant_id, trace_id=record.trace_id,
            traceparent=tracing.traceparent(),
            data={"query_id": record.id, "code": problem["code"], "activity": job.activity}))
        log.error("query_failed", query_id=record.id, tenant_id=record.tenant_id,
                  code=problem["code"], activity=job.activity)
        return QuerySettled(status=record.status.value)


def _count_answer(tenant: str, usage: Mapping[str, AgentUsage],
                  timings_ms: Mapping[str, float]) -> None:
    """Tokens and cost per agent/model/tenant, and the answer's latency figures."""
    for agent, used in usage.items():
        labels = {"agent": agent, "model": used.model, "tenant": tenant}
        metrics.tokens.labels(**labels, direction="input").inc(used.input_tokens)
        metrics.tokens.labels(**labels, direction="output").inc(used.output_tokens)
        metrics.cost_usd.labels(**labels).inc(used.cost_usd)
    metrics.queries.labels(outcome="completed").inc()
    if "total" in timings_ms:
        metrics.query_duration.labels(outcome="completed").observe(timings_ms["total"] / 1000)
    if "first_token" in timings_ms:
        metrics.query_time_to_first_token.observe(timings_ms["first_token"] / 1000)
