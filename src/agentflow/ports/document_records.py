"""Document records: what was uploaded, its status and progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentflow.domain.documents import Document, DocumentStatus, Progress


class DocumentRecords(Protocol):
    """Document records: what was uploaded, its status and progress.

    Every read and write is scoped to one tenant by the adapter.
    """

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

    async def unfinished_documents(self) -> list[Document]:
        """Documents of every tenant left ``pending`` or ``processing`` (for resume on start)."""
        ...

    async def delete_document(self, tenant_id: str, document_id: str) -> None:
        """Delete the record with its pages and chunks."""
        ...
