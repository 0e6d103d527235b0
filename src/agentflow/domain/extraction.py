"""What the extractor reports about a PDF before and while its pages are read."""

from __future__ import annotations

from pydantic import BaseModel

from agentflow.domain.documents import DocumentPage


class PdfInfo(BaseModel):
    """Facts read from a PDF's header and trailer without reading its pages."""

    page_count: int
    encrypted: bool = False  # encrypted but readable without a password


class ExtractedPages(BaseModel):
    """Pages ``first``..``last`` (1-based, inclusive) of a PDF, with per-page warnings."""

    first: int
    last: int
    pages: list[DocumentPage]
