"""Walking all of a tenant's documents through the paged listing of ``DocumentRecords``."""

from __future__ import annotations

from collections.abc import AsyncIterator

from agentflow.domain.documents import Document, DocumentStatus
from agentflow.ports.document_records import DocumentRecords


async def every_document(records: DocumentRecords, tenant_id: str, *,
                         status: DocumentStatus | None = None,
                         page: int = 100) -> AsyncIterator[Document]:
    """Each of the tenant's documents (only those in ``status`` when given), newest first,
    read ``page`` at a time."""
    cursor: str | None = None
    while True:
        documents, cursor = await records.list_documents(tenant_id, status=status,
                                                         cursor=cursor, limit=page)
        for document in documents:
            yield document
        if cursor is None:
            return
