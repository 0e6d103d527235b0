"""Response bodies of the documents API (field names are binding, see API.md)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

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
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, document: Document) -> DocumentView:
        return cls.model_validate(document.model_dump())


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

    @classmethod
    def of(cls, page: DocumentPage) -> PageView:
        return cls.model_validate(page.model_dump())
