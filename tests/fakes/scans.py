"""Scans made from real PDFs: pages rendered to images and put in a PDF with no text layer, so
the original text layer is the ground truth of what OCR should read."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path

import pymupdf


def image_only_pdf(source: Path, target: Path, pages: range, *, dpi: int = 200) -> Path:
    """Pages ``pages`` (0-based) of ``source`` as images at ``dpi``, each on a page of the
    original's size, saved to ``target``."""
    original = pymupdf.open(source)
    scan = pymupdf.open()
    for number in pages:
        page = original[number]
        pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        out = scan.new_page(width=page.rect.width, height=page.rect.height)
        out.insert_image(out.rect, pixmap=pixmap)
    scan.save(target, deflate=True)
    original.close()
    return target


def text_layer(source: Path, number: int) -> str:
    """The original page's text (1-based ``number``) as the extractor reads it: in the same
    reading order as a recognised page."""
    from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor

    return PyMuPdfExtractor().extract(source, number, number, "original").pages[0].text


def char_match(expected: str, found: str) -> float:
    """How much of ``expected`` ``found`` matches, character for character, with runs of
    whitespace counted as one space (OCR does not see layout whitespace)."""
    a = re.sub(r"\s+", " ", expected).strip()
    b = re.sub(r"\s+", " ", found).strip()
    if not a:
        return 1.0 if not b else 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(a)
