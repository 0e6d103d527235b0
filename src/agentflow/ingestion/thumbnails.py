"""Previews: a small PNG of a PDF's first page, made once at ingestion and kept beside the
original in the blob store (``GET /v1/documents/{id}/thumbnail``).

A document ingested before previews existed gets its thumbnail on first request, stored the
same way, so every PDF in a library has one without a backfill.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from agentflow.domain.documents import PDF, Document
from agentflow.domain.errors import Conflict, NotFound
from agentflow.ingestion.jobs import render_thumbnail
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.blob_store import BlobStore
from agentflow.ports.extractor import Extractor

log = structlog.get_logger(__name__)
WIDTH_PX = 240
RENDER_TIMEOUT_S = 30.0


def thumbnail_key(document: Document) -> str:
    """The blob key of the document's preview: beside its original, deleted with it."""
    return f"{document.blob_key}.thumbnail.png"


@dataclass
class Thumbnails:
    """Makes, stores and reads first-page previews."""

    blobs: BlobStore
    extractor: Extractor
    executor: BatchExecutor
    width_px: int = WIDTH_PX

    async def make(self, document: Document) -> bytes:
        """Render and store the preview (replacing any), and return its PNG."""
        if document.media_type != PDF:
            raise Conflict(f"document {document.id} is plain text: it has no preview")
        async with self.blobs.local_path(document.blob_key) as path:
            png: bytes = await self.executor.run(
                render_thumbnail, (self.extractor, path, self.width_px),
                timeout_s=RENDER_TIMEOUT_S)
        writer = await self.blobs.writer()
        try:
            await writer.write(png)
            await writer.commit(thumbnail_key(document))
        except BaseException:
            await writer.abort()
            raise
        return png

    async def try_make(self, document: Document) -> None:
        """``make`` at ingestion: a preview that cannot be made is logged, never fails the
        document (the page text is what matters; the API renders the preview again on demand)."""
        if document.media_type != PDF:
            return
        try:
            await self.make(document)
        except Exception as error:  # a preview is never worth a document: whatever broke
            log.warning("thumbnail_failed", document_id=document.id, error=str(error)[:300])

    async def stored(self, document: Document) -> bytes | None:
        """The stored preview; None when there is none (yet)."""
        try:
            return b"".join([part async for part in self.blobs.read(thumbnail_key(document))])
        except NotFound:
            return None

    async def delete(self, document: Document) -> None:
        """Remove the preview (a missing one is not an error)."""
        await self.blobs.delete(thumbnail_key(document))
