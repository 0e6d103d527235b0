"""Reads text and geometry out of PDFs."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from agentflow.domain.extraction import ExtractedPages, PdfInfo


class Extractor(Protocol):
    """Synchronous and CPU-bound by nature: callers run it on a ``BatchExecutor``."""

    def inspect(self, path: Path) -> PdfInfo:
        """Page count and encryption; raises ``NotAPdf``/``UnreadablePdf`` for bad files."""
        ...

    def extract(self, path: Path, first: int, last: int, document_id: str) -> ExtractedPages:
        """Pages ``first``..``last`` (1-based, inclusive) with block/line bboxes and warnings."""
        ...

    def extract_lines(self, path: Path, first: int, last: int, document_id: str) -> str:
        """The same pages as JSON Lines: one ``DocumentPage`` a line, in page order, every page
        of the range present. Workers hand pages back in this form so that neither the hand-off
        nor the catalog has to parse them."""
        ...

    def render(self, path: Path, number: int, highlights: list[tuple[float, float, float, float]],
               zoom: float) -> bytes:
        """PNG of page ``number`` at ``zoom`` (1 = 72 dpi) with the boxes (page coordinates,
        as the extracted lines have them) highlighted."""
        ...

    def thumbnail(self, path: Path, width: int) -> bytes:
        """A small PNG preview of page 1, ``width`` pixels wide (a very tall page is cut to
        its top)."""
        ...
