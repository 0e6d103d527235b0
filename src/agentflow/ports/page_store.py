"""Extracted pages: text with its geometry, per document and number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentflow.domain.documents import DocumentPage, PageJson, PageText


class PageStore(Protocol):
    """Extracted pages: text with its geometry, per document and number.

    Every read and write is scoped to one tenant by the adapter.
    """

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
