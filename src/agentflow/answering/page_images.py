"""Page images with a cited passage highlighted (``GET .../pages/{n}/image?highlight=``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from agentflow.domain.documents import PDF, Document, DocumentPage
from agentflow.domain.errors import Conflict, InvalidInput, NotFound
from agentflow.ingestion.jobs import render_page
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.blob_store import BlobStore
from agentflow.ports.chunk_store import ChunkStore
from agentflow.ports.extractor import Extractor
from agentflow.ports.page_store import PageStore
from agentflow.retrieval.quotes import Box, find_quote, quote_boxes

_CHUNK_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_HIGHLIGHT_CHARS = 2_000
RENDER_TIMEOUT_S = 30.0


class PageSources(PageStore, ChunkStore, Protocol):
    """What page images read: pages and the chunks a highlight names."""


@dataclass
class PageImages:
    catalog: PageSources
    blobs: BlobStore
    extractor: Extractor
    executor: BatchExecutor

    async def highlight_boxes(self, document: Document, page: DocumentPage,
                              highlight: str) -> list[Box]:
        """Boxes of a chunk id's text on this page, or of a quote found on it."""
        if len(highlight) > MAX_HIGHLIGHT_CHARS:
            raise InvalidInput(f"highlight is limited to {MAX_HIGHLIGHT_CHARS} characters")
        if _CHUNK_ID.match(highlight):
            chunk = await self.catalog.find_chunk(document.tenant_id, document.id, highlight)
            if chunk is None:
                raise NotFound(f"document {document.id} has no chunk {highlight}")
            boxes = [box for span in chunk.spans if span.page == page.number
                     for box in quote_boxes(page, span.start, span.end)]
            if not boxes:
                raise NotFound(f"chunk {highlight} has no text on page {page.number}")
            return boxes
        found = find_quote(page.text, highlight)
        if found is None:
            raise NotFound(f"the quote does not occur on page {page.number}",
                           page=page.number)
        return quote_boxes(page, *found)

    async def render(self, document: Document, number: int, *, highlight: str | None,
                     zoom: float) -> bytes:
        if document.media_type != PDF:
            raise Conflict(f"document {document.id} is plain text: it has no page images")
        page = await self.catalog.get_page(document.tenant_id, document.id, number)
        if page is None:
            raise NotFound(f"document {document.id} has no page {number}", page=number)
        boxes = await self.highlight_boxes(document, page, highlight) if highlight else []
        async with self.blobs.local_path(document.blob_key) as path:
            png: bytes = await self.executor.run(
                render_page, (self.extractor, path, number, boxes, zoom),
                timeout_s=RENDER_TIMEOUT_S)
        return png
