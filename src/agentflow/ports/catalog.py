"""The catalog: documents with their pages and chunks, and queries with their conversations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from agentflow.domain.documents import (
    Chunk,
    Document,
    DocumentPage,
    DocumentStatus,
    PageJson,
    PageText,
    Progress,
    TenantFootprint,
)
from agentflow.domain.queries import AgentUsage, QueryRecord, UsageTotal


class Catalog(Protocol):
    """Durable records. Every read and write is scoped to one tenant by the adapter."""

    async def add_document(self, document: Document) -> Document:
        """Insert ``document``; if the tenant already has one with the same sha256, return that
        one instead (the dedup is atomic in the adapter)."""
        ...

    async def get_document(self, tenant_id: str, document_id: str) -> Document | None:
        """The tenant's document with its latest progress; None if there is none."""
        ...

    async def find_by_sha256(self, tenant_id: str, sha256: str) -> Document | None:
        """The tenant's document whose content has this SHA-256 (upload dedup); None if none."""
        ...

    async def save_document(self, document: Document) -> None:
        """Overwrite the mutable fields (status, progress, error, counts, warnings)."""
        ...

    async def save_document_if(self, document: Document, *,
                               status: Sequence[DocumentStatus]) -> bool:
        """Compare-and-set: overwrite like ``save_document`` only if the stored document's
        status is one of ``status``, atomically; ``False``, and nothing written, if it is
        another or the document is gone (never re-created)."""
        ...

    async def update_progress(self, tenant_id: str, document_id: str, progress: Progress) -> None:
        """Set only the progress (activities of one document report it concurrently)."""
        ...

    async def list_documents(
        self,
        tenant_id: str,
        *,
        status: DocumentStatus | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> tuple[list[Document], str | None]:
        """Newest first; returns the page and the cursor of the next page, if any."""
        ...

    async def footprint(self, tenant_id: str) -> TenantFootprint:
        """The tenant's document count and stored bytes (quotas)."""
        ...

    async def footprints(self, tenant_ids: Sequence[str]) -> dict[str, TenantFootprint]:
        """``footprint`` of each of ``tenant_ids`` in one round trip (metrics scrapes)."""
        ...

    async def unfinished_documents(self) -> list[Document]:
        """Documents of every tenant left ``pending`` or ``processing`` (for resume on start)."""
        ...

    async def delete_document(self, tenant_id: str, document_id: str) -> None:
        """Delete the record with its pages and chunks."""
        ...

    async def save_pages(self, tenant_id: str, pages: Sequence[DocumentPage]) -> None:
        """Store extracted pages, replacing any stored with the same document and number."""
        ...

    async def save_page_json(self, tenant_id: str, document_id: str,
                             pages: Sequence[PageJson]) -> None:
        """Store pages as their extractor serialised them (``DocumentPage`` JSON, unparsed)."""
        ...

    async def get_page(self, tenant_id: str, document_id: str, number: int) -> DocumentPage | None:
        """Page ``number`` (1-based) with its geometry; None if it has not been extracted."""
        ...

    async def count_pages(self, tenant_id: str, document_id: str) -> int:
        """How many pages of the document have been extracted and stored."""
        ...

    async def get_pages(self, tenant_id: str, document_id: str) -> list[DocumentPage]:
        """Every extracted page of the document, in order."""
        ...

    async def get_page_texts(self, tenant_id: str, document_id: str) -> list[PageText]:
        """Number, text and warnings of every extracted page, in order (what chunking reads:
        the geometry stays in the store)."""
        ...

    async def replace_chunks(
        self, tenant_id: str, document_id: str, chunks: Sequence[Chunk]
    ) -> None:
        """Replace every chunk of the document with ``chunks``."""
        ...

    async def get_chunks(
        self, tenant_id: str, document_id: str, *, start: int = 0, stop: int | None = None
    ) -> list[Chunk]:
        """Chunks with ordinal in ``[start, stop)``, in order."""
        ...

    async def find_chunk(self, tenant_id: str, document_id: str, chunk_id: str) -> Chunk | None:
        """The document's chunk with id ``chunk_id``, if any."""
        ...

    async def save_query(self, query: QueryRecord) -> None:
        """Insert or overwrite the query record."""
        ...

    async def get_query(self, tenant_id: str, query_id: str) -> QueryRecord | None:
        """The tenant's query record; None if there is none."""
        ...

    async def conversation(self, tenant_id: str, conversation_id: str) -> list[QueryRecord]:
        """The queries of a conversation, oldest first (empty if there is none)."""
        ...

    async def unfinished_queries(self) -> list[QueryRecord]:
        """Queries of every tenant still ``running`` (for resume on start)."""
        ...

    async def record_usage(self, tenant_id: str, query_id: str, usage: Mapping[str, AgentUsage],
                           *, at: datetime) -> None:
        """Store what each agent of a query used (replacing an earlier record of that query)."""
        ...

    async def usage_totals(self, tenant_id: str | None = None, *, since: datetime | None = None,
                           until: datetime | None = None) -> list[UsageTotal]:
        """Usage summed per tenant, agent and model over ``[since, until)`` (all tenants when
        ``tenant_id`` is None)."""
        ...
