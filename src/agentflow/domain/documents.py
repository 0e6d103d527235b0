"""Documents, their status and progress, as the catalog stores and the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from agentflow.domain.profiles import DocumentKind, DocumentProfile


class DocumentStatus(StrEnum):
    """Where a document stands: ``pending`` until ingestion starts, ``processing``, then
    ``ready`` or ``failed``."""

    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class IngestStage(StrEnum):
    """The step of ingestion a document is in, in the order they run."""

    QUEUED = "queued"
    EXTRACTING = "extracting"
    CHUNKING = "chunking"
    EMBEDDING = "embedding"
    INDEXING = "indexing"
    DONE = "done"


class Progress(BaseModel):
    """How far the current stage is: ``done`` of ``total`` units (pages while extracting and
    chunking, chunks while embedding and indexing)."""

    stage: IngestStage = IngestStage.QUEUED
    done: int = 0
    total: int = 0


class DocumentError(BaseModel):
    """Why ingestion failed: the error's stable code, its message, and the stage it failed in."""

    code: str
    message: str
    stage: IngestStage


class PageWarning(BaseModel):
    """A problem with extracted text (``empty_page``, ``no_text_layer``, ``unmapped_font``, ...);
    ``page`` ``None``: not tied to one page."""

    page: int | None = None
    code: str
    message: str


class DocumentMetadata(BaseModel):
    """What the uploader (or a later edit) says of a document; it overrides the profile
    derived from the text, field by field (``None``: not said)."""

    title: str | None = Field(default=None, max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=50)
    organisations: list[str] | None = Field(default=None, max_length=20)
    kind: DocumentKind | None = None
    fiscal_year: int | None = Field(default=None, ge=1900, le=2200)
    fiscal_quarter: int | None = Field(default=None, ge=1, le=4)
    period_end: date | None = None


PDF = "application/pdf"
PLAIN_TEXT = "text/plain"  # whole-text documents (benchmark corpora), one page each


class Document(BaseModel):
    """One uploaded PDF (or, for benchmark corpora, one plain text) of one tenant."""

    id: str
    tenant_id: str
    name: str
    media_type: str = PDF
    status: DocumentStatus = DocumentStatus.PENDING
    sha256: str
    size_bytes: int
    blob_key: str
    pages: int | None = None
    chunks: int | None = None
    progress: Progress = Field(default_factory=Progress)
    error: DocumentError | None = None
    warnings: list[PageWarning] = Field(default_factory=list)
    metadata: DocumentMetadata = Field(default_factory=DocumentMetadata)
    derived_profile: DocumentProfile | None = None  # from the text, at ingestion
    attempts: int = 0
    trace_id: str | None = None  # of the request that (re)started ingestion
    traceparent: str | None = None  # W3C context of that request's span
    created_at: datetime
    updated_at: datetime

    @property
    def profile(self) -> DocumentProfile:
        """The derived profile with what the metadata says laid over it."""
        base = self.derived_profile or DocumentProfile()
        said = self.metadata
        overrides = {field: value for field, value in (
            ("title", said.title), ("organisations", said.organisations), ("kind", said.kind),
            ("fiscal_year", said.fiscal_year), ("fiscal_quarter", said.fiscal_quarter),
            ("period_end", said.period_end)) if value is not None}
        profile = base.model_copy(update=overrides)
        if profile.title is None:
            profile.title = self.name.rsplit(".", 1)[0]
        return profile


class DocumentPage(BaseModel):
    """Extracted text of one page with its block and line geometry."""

    document_id: str
    number: int  # 1-based
    width: float
    height: float
    text: str
    blocks: list[TextBlock]
    warnings: list[PageWarning] = Field(default_factory=list)
    ocr: bool = False  # the text was recognised from the page's image
    ocr_confidence: float | None = None  # Tesseract's mean word confidence, 0..1


class TextLine(BaseModel):
    """One line of a block: its box in page coordinates, its ``[start, end)`` in the page text."""

    bbox: tuple[float, float, float, float]
    start: int  # character offsets into the page text
    end: int


class TextBlock(BaseModel):
    """A block of lines as the extractor found it, with its box in page coordinates."""

    bbox: tuple[float, float, float, float]
    lines: list[TextLine]


DocumentPage.model_rebuild()


class PageText(BaseModel):
    """What chunking needs of a page: its number, text and warnings (no geometry)."""

    number: int
    text: str
    warnings: list[PageWarning] = Field(default_factory=list)


class PageJson(BaseModel):
    """One page as its extractor serialised it: ``body`` is ``DocumentPage`` JSON. Extracted
    pages travel and are stored in this form, so nothing parses their geometry on the way."""

    number: int
    body: str


class PageSpan(BaseModel):
    """The characters ``[start, end)`` of page ``page``'s text that a chunk covers."""

    page: int
    start: int
    end: int


def page_parts(text: str, spans: list[PageSpan]) -> list[tuple[PageSpan | None, int, int]]:
    """Each page's ``[start, end)`` in a chunk's ``text`` (its pages' parts joined by "\n"),
    with its span; one part, the whole text, when the chunk lies on one page or has no spans."""
    if len(spans) <= 1:
        return [(spans[0] if spans else None, 0, len(text))]
    parts: list[tuple[PageSpan | None, int, int]] = []
    position = 0
    for span in spans:
        length = span.end - span.start
        parts.append((span, min(position, len(text)), min(position + length, len(text))))
        position += length + 1
    return parts


class Chunk(BaseModel):
    """A piece of a document small enough for the embedding model, tied to its pages."""

    id: str
    document_id: str
    tenant_id: str
    ordinal: int
    text: str
    token_count: int
    page_start: int
    page_end: int
    spans: list[PageSpan]
    context: str = ""  # what the chunk sits under (document, headings); indexed, never cited
    section: str = ""  # the page title and heading it sits under (part of ``context``)


class TenantFootprint(BaseModel):
    """What a tenant stores: its documents (any status) and their bytes."""

    documents: int
    bytes: int
    by_status: dict[DocumentStatus, int] = Field(default_factory=dict)  # statuses held only
