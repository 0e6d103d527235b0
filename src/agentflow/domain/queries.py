"""Questions, the passages found for them, cited answers, and conversations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from agentflow.domain.documents import PageSpan
from agentflow.domain.vectors import SearchFilters

MAX_QUESTION_CHARS = 2_000
MAX_TOP_K = 20


class Passage(BaseModel):
    """A retrieved chunk with where it lies: the unit agents read and cite from."""

    chunk_id: str
    document_id: str
    document_name: str
    page_start: int
    page_end: int
    text: str
    score: float
    spans: list[PageSpan] = Field(default_factory=list)  # per page; the text joins them by "\n"
    section: str = ""  # the page title and heading it sits under, when known


class Citation(BaseModel):
    """One ``[n]`` marker of an answer, verified: ``quote`` occurs on ``page`` of the document."""

    n: int
    document_id: str
    document_name: str
    page: int
    quote: str
    bboxes: list[tuple[float, float, float, float]] = Field(default_factory=list)
    support: float
    chunk_id: str


class AgentUsage(BaseModel):
    """What one agent spent on a query: tokens in and out on ``model``, and their cost in USD."""

    input_tokens: int = 0
    output_tokens: int = 0
    model: str
    cost_usd: float = 0.0


class UsageTotal(BaseModel):
    """Tokens and cost summed over queries, per tenant, agent and model."""

    tenant_id: str
    agent: str
    model: str
    queries: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class QueryStatus(StrEnum):
    """Where a query stands: ``running`` until it is answered (``completed``) or ``failed``."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class QueryRequest(BaseModel):
    """What a user asks (API body of ``POST /v1/queries``)."""

    # Checked by ``Questions.ask`` for a clear ``invalid_question``; this bound only caps parsing.
    question: str = Field(max_length=MAX_QUESTION_CHARS * 50)
    conversation_id: str | None = Field(default=None, max_length=100)
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    stream: bool = False


class QueryResult(BaseModel):
    """The ``done`` event of a query, also stored and served by ``GET /v1/queries/{id}``."""

    query_id: str
    answer: str
    citations: list[Citation]
    confidence: float = Field(ge=0.0, le=1.0)
    related_questions: list[str]
    usage: dict[str, AgentUsage]
    warnings: list[str]
    trace_id: str | None
    timings_ms: dict[str, float]
    partial: bool = False  # a stage degraded: sources missing, statements dropped, text cut


class QueryRecord(BaseModel):
    """A query as the catalog keeps it: the request, its status and (when done) its result."""

    id: str
    tenant_id: str
    conversation_id: str
    question: str
    top_k: int
    filters: SearchFilters
    status: QueryStatus = QueryStatus.RUNNING
    result: QueryResult | None = None
    error: dict[str, Any] | None = None
    trace_id: str | None = None
    created_at: datetime
    updated_at: datetime


class ConversationTurn(BaseModel):
    """One question of a conversation and, once answered, its answer."""

    query_id: str
    question: str
    answer: str | None
    citations: list[Citation]
    status: QueryStatus
    created_at: datetime
