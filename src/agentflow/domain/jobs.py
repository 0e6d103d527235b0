"""What starts a workflow and where it reports: each workflow's registered name and input, and
the names of the event streams its activities write.

They sit in the domain because both sides need them: the services that start work (uploads,
questions) and the workflows that do it; neither may import the other.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agentflow.domain.vectors import SearchFilters
from agentflow.domain.workflows import WorkflowRef


class IngestInput(BaseModel):
    """What the ingestion workflow of one document is started with."""

    tenant_id: str
    document_id: str
    pages_per_task: int = 64
    chunks_per_task: int = 64
    traceparent: str | None = None  # the upload's trace, continued by every activity


class AnswerInput(BaseModel):
    """What the answering workflow of one question is started with."""

    query_id: str
    tenant_id: str
    trace_id: str | None = None
    traceparent: str | None = None  # the asking request's span, continued by every activity
    question: str
    history: list[str] = Field(default_factory=list)
    top_k: int = 5
    filters: SearchFilters = Field(default_factory=SearchFilters)
    attempts: int = 3
    first_retry_s: float = 0.2
    chains: dict[str, list[str]] = Field(default_factory=dict)  # agent -> models, in order


INGEST_WORKFLOW = WorkflowRef("ingest_document", IngestInput)
ANSWER_WORKFLOW = WorkflowRef("answer_question", AnswerInput)


def document_stream(tenant_id: str, document_id: str) -> str:
    """The event stream of a document's ingestion."""
    return f"{tenant_id}:document:{document_id}"


def documents_feed(tenant_id: str) -> str:
    """The stream of every document event of a tenant (progress, ready, failed), in order:
    what ``GET /v1/events`` (WebSocket) serves."""
    return f"{tenant_id}:feed:documents"


def query_stream(tenant_id: str, query_id: str) -> str:
    """The event stream of a question's answer."""
    return f"{tenant_id}:query:{query_id}"
