"""The activities of ``ingest_document``: their handles and what crosses each one.

Only ids, ordinal ranges and counts cross: pages, chunks and vectors stay in their stores.
Every input carries the upload's ``traceparent`` at its top level, where both engines look for
the trace an activity continues.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agentflow.domain.documents import DocumentError, IngestStage, PageWarning, Progress
from agentflow.domain.workflows import ActivityRef


class DocumentRef(BaseModel):
    """The document an activity works on."""

    tenant_id: str
    document_id: str
    traceparent: str | None = None


class PageRange(DocumentRef):
    """Pages ``first..last`` (1-based, inclusive) to extract."""

    first: int = Field(ge=1)
    last: int = Field(ge=1)
    scanned: bool = False  # the document looked scanned: its pages get OCR time on top


class ChunkRange(DocumentRef):
    """Chunks ``[start, stop)`` by ordinal to embed and index."""

    start: int = Field(ge=0)
    stop: int = Field(ge=0)


class IngestFailure(DocumentRef):
    """Why an ingestion gave up: the stage it reached and its last error."""

    stage: IngestStage
    error_type: str
    message: str


class Plan(BaseModel):
    """What the fan-out of extraction is planned from: the pages, and a smaller range per task
    for a scanned document (its pages are recognised, seconds each)."""

    page_count: int
    pages_per_task: int | None = None  # None: the job's


class Done(BaseModel):
    """How many pages (extract) or chunks (chunk, embed) an activity produced."""

    count: int


class Settled(BaseModel):
    """How an ingestion ended: ``ready``, ``failed``, or ``deleted`` / ``unchanged`` when the
    document was deleted or settled by another run meanwhile. Also the payload of the
    document stream's ``ready`` and ``failed`` events."""

    id: str
    status: str
    progress: Progress | None = None
    pages: int | None = None
    chunks: int | None = None
    error: DocumentError | None = None
    warnings: list[PageWarning] = Field(default_factory=list)


BEGIN = ActivityRef("ingest_begin", DocumentRef, Plan)
EXTRACT = ActivityRef("ingest_extract", PageRange, Done)
CHUNK = ActivityRef("ingest_chunk", DocumentRef, Done)
EMBED = ActivityRef("ingest_embed", ChunkRange, Done)
COMMIT = ActivityRef("ingest_commit", DocumentRef, Settled)
FAIL = ActivityRef("ingest_fail", IngestFailure, Settled)
