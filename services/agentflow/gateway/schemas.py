"""Response bodies of the API (field names are binding, see API.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from agentflow.domain.documents import (
    Document,
    DocumentError,
    DocumentMetadata,
    DocumentPage,
    DocumentStatus,
    PageWarning,
    Progress,
    TextBlock,
)
from agentflow.domain.identity import TENANT_ID_PATTERN, ApiKey, Role
from agentflow.domain.profiles import DocumentProfile
from agentflow.domain.queries import (
    AgentUsage,
    Citation,
    ConversationTurn,
    QueryRecord,
    QueryStatus,
)


class UploadedDocument(BaseModel):
    id: str
    name: str
    status: DocumentStatus
    sha256: str
    size_bytes: int
    duplicate_of: str | None


class UploadResponse(BaseModel):
    documents: list[UploadedDocument]


class DocumentView(BaseModel):
    id: str
    name: str
    status: DocumentStatus
    pages: int | None
    chunks: int | None
    progress: Progress
    error: DocumentError | None
    warnings: list[PageWarning]
    sha256: str
    size_bytes: int
    metadata: DocumentMetadata
    profile: DocumentProfile  # derived from the text, with the metadata laid over it
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, document: Document) -> DocumentView:
        return cls.model_validate({**document.model_dump(), "profile": document.profile})


class DocumentList(BaseModel):
    documents: list[DocumentView]
    next_cursor: str | None


class PageView(BaseModel):
    document_id: str
    number: int
    width: float
    height: float
    text: str
    blocks: list[TextBlock]
    warnings: list[PageWarning]
    ocr: bool = Field(default=False, description="the text was recognised from the page image")
    ocr_confidence: float | None = Field(
        default=None, description="Tesseract's mean word confidence (0..1) on a recognised page")

    @classmethod
    def of(cls, page: DocumentPage) -> PageView:
        return cls.model_validate(page.model_dump())


class QueryAccepted(BaseModel):
    id: str
    status: QueryStatus
    stream_url: str
    conversation_id: str


class QueryView(BaseModel):
    """A stored query: the ``done`` event's fields (once answered) plus status and request."""

    id: str
    query_id: str
    status: QueryStatus
    question: str
    conversation_id: str
    created_at: datetime
    answer: str | None = None
    citations: list[Citation] = []
    confidence: float | None = None
    related_questions: list[str] = []
    usage: dict[str, AgentUsage] = {}
    warnings: list[str] = []
    trace_id: str | None = None
    timings_ms: dict[str, float] = {}
    error: dict[str, Any] | None = None

    @classmethod
    def of(cls, record: QueryRecord) -> QueryView:
        result = record.result.model_dump() if record.result else {}
        return cls.model_validate({
            **result, "id": record.id, "query_id": record.id, "status": record.status,
            "question": record.question, "conversation_id": record.conversation_id,
            "created_at": record.created_at, "trace_id": record.trace_id, "error": record.error})


class ConversationView(BaseModel):
    id: str
    turns: list[ConversationTurn]


class CallerView(BaseModel):
    """The authenticated caller, as ``GET /v1/me`` shows it (no secret, no key id)."""

    tenant_id: str
    role: Role
    method: str = Field(description="api_key, jwt, or local when auth is off")
    platform_admin: bool = Field(description="may see platform-wide figures (/v1/admin/metrics)")


class TenantCreate(BaseModel):
    name: str = Field(pattern=TENANT_ID_PATTERN, description="The tenant id: lower-case slug")


class ApiKeyCreate(BaseModel):
    tenant_id: str | None = Field(default=None, pattern=TENANT_ID_PATTERN,
                                  description="Default: the caller's tenant")
    role: Role = Role.USER


class ApiKeyView(BaseModel):
    """A key as listed: never its secret or hash."""

    id: str
    tenant_id: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyView:
        return cls.model_validate(key.model_dump(exclude={"key_hash"}))


class ApiKeyCreated(ApiKeyView):
    key: str = Field(description="The secret: shown this once, stored only as a hash")
