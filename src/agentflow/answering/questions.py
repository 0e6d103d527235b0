"""``Questions``: what the queries API and the CLI call to ask, follow and look up questions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import structlog

from agentflow.domain.errors import InvalidQuestion, NotFound
from agentflow.domain.events import StreamEvent
from agentflow.domain.jobs import ANSWER_WORKFLOW, AnswerInput, query_stream
from agentflow.domain.queries import (
    MAX_QUESTION_CHARS,
    ConversationTurn,
    QueryRecord,
    QueryRequest,
    QueryStatus,
)
from agentflow.ingestion.quotas import Quotas
from agentflow.observability import tracing
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.event_log import EventLog
from agentflow.ports.query_records import QueryRecords
from agentflow.ports.workflow_engine import WorkflowEngine

log = structlog.get_logger(__name__)
TERMINAL_EVENTS = frozenset({"done", "error"})
HISTORY_TURNS = 3


class QuestionRecords(QueryRecords, DocumentRecords, Protocol):
    """What the questions service reads and writes: queries, and documents named in filters."""


@dataclass
class Questions:
    catalog: QuestionRecords
    engine: WorkflowEngine
    events: EventLog
    agent_attempts: int = 3
    first_retry_s: float = 0.2
    chains: dict[str, list[str]] = field(default_factory=dict)  # agent -> its models, in order
    quotas: Quotas | None = None

    async def ask(self, tenant_id: str, request: QueryRequest, *,
                  trace_id: str | None) -> QueryRecord:
        """Validate, record and start answering; the answer arrives on the query's stream."""
        question = " ".join(request.question.split())
        if not question:
            raise InvalidQuestion("the question is empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidQuestion(f"the question has {len(question)} characters; the limit is "
                                  f"{MAX_QUESTION_CHARS}", limit=MAX_QUESTION_CHARS)
        if self.quotas is not None and any(self.chains.values()):
            await self.quotas.check_tokens(tenant_id)  # extractive answers use no tokens
        for document_id in request.filters.document_ids or []:
            if await self.catalog.get_document(tenant_id, document_id) is None:
                raise NotFound(f"no document {document_id}", document_id=document_id)
        history: list[str] = []
        conversation_id = request.conversation_id
        if conversation_id is not None:
            turns = await self.catalog.conversation(tenant_id, conversation_id)
            if not turns:
                raise NotFound(f"no conversation {conversation_id}",
                               conversation_id=conversation_id)
            history = [turn.question for turn in turns][-HISTORY_TURNS:]
        now = datetime.now(UTC)
        record = QueryRecord(
            id=f"q_{uuid.uuid4().hex}", tenant_id=tenant_id,
            conversation_id=conversation_id or f"conv_{uuid.uuid4().hex}", question=question,
            top_k=request.top_k, filters=request.filters, trace_id=trace_id, created_at=now,
            updated_at=now)
        await self.catalog.save_query(record)
        await self._start(record, history)
        return record

    async def _start(self, record: QueryRecord, history: list[str]) -> None:
        await self.events.append(query_stream(record.tenant_id, record.id), "agent", {
            "agent": "orchestrator", "status": "started", "attempt": 1, "detail": ""})
        job = AnswerInput(query_id=record.id, tenant_id=record.tenant_id,
                          trace_id=record.trace_id, traceparent=tracing.traceparent(),
                          question=record.question, history=history,
                          top_k=record.top_k, filters=record.filters,
                          attempts=self.agent_attempts, first_retry_s=self.first_retry_s,
                          chains=self.chains)
        await self.engine.schedule_new_workflow(ANSWER_WORKFLOW, input=job,
                                                instance_id=record.id)

    async def resume(self) -> int:
        """Start again every query a stop left ``running``; returns how many."""
        unfinished = await self.catalog.unfinished_queries()
        for record in unfinished:
            turns = await self.catalog.conversation(record.tenant_id, record.conversation_id)
            history = [t.question for t in turns if t.created_at < record.created_at]
            await self._start(record, history[-HISTORY_TURNS:])
        if unfinished:
            log.info("queries_resumed", count=len(unfinished))
        return len(unfinished)

    async def get(self, tenant_id: str, query_id: str) -> QueryRecord:
        record = await self.catalog.get_query(tenant_id, query_id)
        if record is None:
            raise NotFound(f"no query {query_id}", query_id=query_id)
        return record

    async def follow(self, record: QueryRecord, *, after: str | None
                     ) -> AsyncIterator[StreamEvent]:
        """The query's events after ``after``, live until ``done`` or ``error``.

        A finished query whose stream is no longer held (a restart, or evicted as old) is told
        by one event made from its stored record, so a late reader still gets the outcome.
        """
        stream = query_stream(record.tenant_id, record.id)
        if await self.events.last(stream) is None and record.status is not QueryStatus.RUNNING:
            if record.result is not None:
                yield StreamEvent(id="0", event="done", data=record.result.model_dump(mode="json"))
            else:
                yield StreamEvent(id="0", event="error", data=record.error or {})
            return
        async for event in self.events.subscribe(stream, after=after, until=TERMINAL_EVENTS):
            yield event

    async def conversation(self, tenant_id: str, conversation_id: str) -> list[ConversationTurn]:
        records = await self.catalog.conversation(tenant_id, conversation_id)
        if not records:
            raise NotFound(f"no conversation {conversation_id}", conversation_id=conversation_id)
        return [ConversationTurn(
            query_id=r.id, question=r.question, answer=r.result.answer if r.result else None,
            citations=r.result.citations if r.result else [], status=r.status,
            created_at=r.created_at) for r in records]
