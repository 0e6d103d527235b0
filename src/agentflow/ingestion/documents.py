"""The documents service: a document's life from upload on (upload, list, inspect, follow,
read, correct, retry, delete).

Every status change is a compare-and-set on the stored status (``DocumentRecords.save_document_if``),
so two requests, or a request and a finishing ingestion, never both win: a retry of a document
that was deleted meanwhile finds it gone, an ingestion finishing a document deleted meanwhile
sweeps what it re-created (see ``IngestActivities``). Deletion removes the record first: from
then on no status change can bring the document back, and what ingestion still writes is
swept by ingestion itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import structlog

from agentflow.domain.documents import (
    Document,
    DocumentMetadata,
    DocumentPage,
    DocumentStatus,
    Progress,
)
from agentflow.domain.errors import Conflict, InvalidInput, NotFound
from agentflow.domain.events import StreamEvent, sequence_after
from agentflow.domain.jobs import document_stream, documents_feed
from agentflow.domain.profiles import ProfileEdit
from agentflow.ingestion.thumbnails import Thumbnails
from agentflow.ingestion.uploads import IncomingFile, ReceivedFile, Uploads
from agentflow.observability import tracing
from agentflow.observability.logging import current_trace_id
from agentflow.ports.blob_store import BlobStore
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.event_log import EventLog
from agentflow.ports.ingestion_dispatch import IngestionDispatch
from agentflow.ports.page_store import PageStore
from agentflow.retrieval.profile_index import ProfileIndex
from agentflow.retrieval.tenant_models import TenantModels

log = structlog.get_logger(__name__)
SETTLED = frozenset({DocumentStatus.READY, DocumentStatus.FAILED})
_SETTLED_EVENTS = frozenset(status.value for status in SETTLED)


class DocumentStore(DocumentRecords, PageStore, Protocol):
    """What the documents service reads and writes: document records and their pages."""


@dataclass
class Documents:
    """Upload, list, inspect, follow, read, correct, retry and delete a tenant's documents."""

    catalog: DocumentStore
    models: TenantModels  # the tenant's index generations (vectors live in each)
    profiles: ProfileIndex
    blobs: BlobStore
    events: EventLog
    ingestion: IngestionDispatch
    uploads: Uploads
    thumbnails: Thumbnails
    max_files_per_request: int = 20

    async def open(self, name: str) -> IncomingFile:
        """A file of an upload request, to be written as it arrives."""
        return await self.uploads.open(name)

    async def upload(self, tenant_id: str, received: Sequence[ReceivedFile],
                     metadata: DocumentMetadata) -> list[tuple[Document, bool]]:
        """Record the files (all or none) and ingest each new one; ``(document, duplicate)``."""
        accepted = await self.uploads.accept(tenant_id, received, metadata)
        for document, duplicate in accepted:
            if not duplicate:
                self.ingestion.submit(document)
        return accepted

    async def list(self, tenant_id: str, *, status: DocumentStatus | None = None,
                   cursor: str | None = None, limit: int = 50,
                   ) -> tuple[list[Document], str | None]:
        """The tenant's documents, newest first, a page at a time, and the next cursor."""
        try:
            return await self.catalog.list_documents(tenant_id, status=status, cursor=cursor,
                                                     limit=limit)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None

    async def follow(self, tenant_id: str, document_id: str, *, after: str | None,
                     ) -> tuple[Document, AsyncIterator[StreamEvent] | None]:
        """The document and its progress events, until ``ready`` or ``failed``; no events
        when it settled before this process started (they are gone: report the document)."""
        document = await self.get(tenant_id, document_id)
        stream = document_stream(tenant_id, document_id)
        last = await self.events.last(stream)
        if document.status in SETTLED and (last is None or last.event not in _SETTLED_EVENTS):
            return document, None
        return document, self.events.subscribe(stream, after=after, until=_SETTLED_EVENTS)

    async def feed(self, tenant_id: str, *, after: str | None) -> AsyncIterator[StreamEvent]:
        """The tenant's document events after event id ``after``, then live ones; without
        ``after``, live ones only (the caller reads the current state from the API). An
        ``after`` beyond the newest event (the log was trimmed or restarted) replays what the
        log still holds."""
        stream = documents_feed(tenant_id)
        last = await self.events.last(stream)
        if after is None:
            after = last.id if last is not None else None
        elif last is None or sequence_after(after) > sequence_after(last.id):
            after = None
        return self.events.subscribe(stream, after=after)

    async def original(self, tenant_id: str, document_id: str,
                       ) -> tuple[Document, int, AsyncIterator[bytes]]:
        """The document, its file's size and its bytes."""
        document = await self.get(tenant_id, document_id)
        size = await self.blobs.size(document.blob_key)
        return document, size, self.blobs.read(document.blob_key)

    async def link(self, tenant_id: str, document_id: str) -> str | None:
        """A short-lived URL of the original straight from the blob store (None when the store
        gives none); the tenant check comes first."""
        document = await self.get(tenant_id, document_id)
        return await self.blobs.link(document.blob_key, filename=document.name)

    async def thumbnail(self, tenant_id: str, document_id: str) -> bytes:
        """The PNG preview of the document's first page (made now if it has none yet, once
        the document is ready)."""
        document = await self.get(tenant_id, document_id)
        stored = await self.thumbnails.stored(document)
        if stored is not None:
            return stored
        if document.status is not DocumentStatus.READY:
            raise Conflict("the preview is made when the document is ready",
                           document_status=document.status.value)
        return await self.thumbnails.make(document)

    async def page(self, tenant_id: str, document_id: str, number: int) -> DocumentPage:
        """Page ``number`` (1-based); ``Conflict`` while it is still to be extracted."""
        document = await self.get(tenant_id, document_id)
        page = await self.catalog.get_page(tenant_id, document_id, number)
        if page is None:
            if document.status is not DocumentStatus.READY and 1 <= number <= (document.pages or 0):
                raise Conflict(f"page {number} has not been extracted yet",
                               document_status=document.status.value)
            raise NotFound(f"document {document_id} has no page {number}", page=number)
        return page

    async def get(self, tenant_id: str, document_id: str) -> Document:
        """The document, or ``NotFound`` (another tenant's too)."""
        document = await self.catalog.get_document(tenant_id, document_id)
        if document is None:
            raise NotFound(f"no document {document_id}", document_id=document_id)
        return document

    async def edit(self, tenant_id: str, document_id: str, edit: ProfileEdit) -> Document:
        """Correct the profile or tags; a ready document is indexed again with them."""
        document = await self.get(tenant_id, document_id)
        if document.status not in SETTLED:
            raise Conflict("the document is being ingested; correct it once it is ready",
                           document_status=document.status.value)
        changes = edit.model_dump(exclude_unset=True, exclude_none=True)
        if not changes:
            raise InvalidInput("nothing to change: give title, tags, organisations, kind, "
                               "fiscal_year, fiscal_quarter or period_end")
        document.metadata = document.metadata.model_copy(update=changes)
        if document.status is DocumentStatus.READY:
            # Every chunk's indexed context names the document, and its profile point is
            # indexed at the end of ingestion: index it again.
            return await self._ingest_again(document, was=document.status)
        document.updated_at = datetime.now(UTC)
        await self._change(document, was=document.status)
        return document

    async def retry(self, tenant_id: str, document_id: str) -> Document:
        """Ingest a failed document again from its kept original."""
        document = await self.get(tenant_id, document_id)
        if document.status is not DocumentStatus.FAILED:
            raise Conflict(f"only failed documents can be retried; this one is {document.status}",
                           document_status=document.status.value)
        document.error = None
        document.attempts += 1
        return await self._ingest_again(document, was=DocumentStatus.FAILED)

    async def delete(self, tenant_id: str, document_id: str) -> None:
        """Remove the record with its pages and chunks, every vector, the profile point, the
        file and the event stream. The record goes first, so nothing can revive it."""
        document = await self.get(tenant_id, document_id)
        await self.catalog.delete_document(tenant_id, document_id)
        for generation in (await self.models.vectors(tenant_id)).generations():
            await generation.index.delete_document(tenant_id, document_id)
        await self.profiles.remove(tenant_id, document_id)
        await self.thumbnails.delete(document)
        await self.blobs.delete(document.blob_key)
        await self.events.close_stream(document_stream(tenant_id, document_id))
        log.info("document_deleted", document_id=document_id, tenant_id=tenant_id,
                 status=document.status.value)

    async def _ingest_again(self, document: Document, *, was: DocumentStatus) -> Document:
        """Send ``document`` back through ingestion from its kept original, traced to this
        request; its event stream starts afresh."""
        document.status, document.progress = DocumentStatus.PENDING, Progress()
        document.trace_id, document.traceparent = current_trace_id(), tracing.traceparent()
        document.updated_at = datetime.now(UTC)
        await self._change(document, was=was)
        await self.events.close_stream(document_stream(document.tenant_id, document.id))
        self.ingestion.submit(document)
        return document

    async def _change(self, document: Document, *, was: DocumentStatus) -> None:
        """Store ``document`` if it is still ``was``; else it changed under this request."""
        if not await self.catalog.save_document_if(document, status=[was]):
            current = await self.get(document.tenant_id, document.id)  # NotFound if deleted
            raise Conflict(f"the document changed meanwhile; it is now {current.status}",
                           document_status=current.status.value)
