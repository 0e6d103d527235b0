"""``Extractor`` on PyMuPDF: page text with block and line bounding boxes.

Page text is rebuilt from the ``dict`` layout so every line's character range in the text is
known: lines are joined by ``\\n`` and blocks by ``\\n\\n``, except the cells of a table row,
which share one text line a space apart (``rows``). Citations later find their quotes in
exactly this text and map them back to line boxes.

With OCR on, a page without usable text (a scan, or glyphs without a Unicode mapping) is
recognised by Tesseract (``tesseract``), whose layout takes the same path.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pymupdf

from agentflow.adapters.extract.rows import Box, arrange, find_rows, union
from agentflow.adapters.extract.tesseract import OcrFailed, recognise
from agentflow.domain.documents import DocumentPage
from agentflow.domain.errors import EncryptedPdf, NotAPdf, UnreadablePdf
from agentflow.domain.extraction import ExtractedPages, OcrOptions, PdfInfo, page_json_lines

pymupdf.TOOLS.mupdf_display_errors(False)  # MuPDF's own stderr chatter; we report per page
_TEXT_FLAGS = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_MEDIABOX_CLIP


# Control characters and U+FFFD are what MuPDF emits for glyphs it cannot map to Unicode.
_UNMAPPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")
# A page is recognised when this share of its characters or more could not be mapped ...
_GARBLED_SHARE = 0.3
# ... or when it has fewer characters than this and an image covering half of it (a scan with
# a stamped page number).
_SCAN_TEXT_CHARS = 40
_SCANNED_SAMPLE = 8  # pages ``inspect`` looks at for a scan


def _open(path: Path) -> pymupdf.Document:
    try:
        document = pymupdf.open(path, filetype="pdf")
    except Exception as exc:
        raise UnreadablePdf(f"the file cannot be opened as a PDF: {exc}") from None
    if document.needs_pass:
        document.close()
        raise EncryptedPdf("the PDF is encrypted and needs a password")
    return document


def _bbox(raw: Any) -> list[float]:
    return [round(raw[0], 2), round(raw[1], 2), round(raw[2], 2), round(raw[3], 2)]


def _page(document_id: str, page: pymupdf.Page,
          layout: dict[str, Any] | None = None) -> dict[str, Any]:
    """The page as ``DocumentPage`` JSON data, plus the extractor's private flags ``_images``
    (whether it has images), ``_unmapped`` (a line of glyphs without a Unicode mapping) and
    ``_garbled`` (the share of characters that could not be mapped); from ``layout`` (a
    recognised one) instead of the text layer when given.

    Plain dicts, not models: this runs for every line of every page in the workers, and the
    pages go straight to the catalog as JSON (``extract_lines``)."""
    if layout is None:
        layout = page.get_text("dict", flags=_TEXT_FLAGS)
    # Reading order: top to bottom, then left to right (PyMuPDF's ``sort=True`` does the same
    # for every span too and costs a third of the extraction time).
    layout["blocks"].sort(key=lambda block: (round(block["bbox"][3], 1), block["bbox"][0]))
    texts: list[str] = []
    boxes: list[Box] = []
    homes: list[int] = []  # each line's source block
    block_boxes: list[Box] = []
    unmapped = False
    raw_chars = kept_chars = 0
    for raw_block in layout["blocks"]:
        if raw_block.get("type") != 0:
            continue
        home, count = len(block_boxes), len(texts)
        for raw_line in raw_block["lines"]:
            spans = raw_line["spans"]
            raw = spans[0]["text"] if len(spans) == 1 else "".join(span["text"] for span in spans)
            text = _UNMAPPED.sub("", raw).strip()
            raw_chars += len(raw.strip())
            kept_chars += len(text)
            if not text:
                unmapped = unmapped or bool(raw.strip())
                continue
            texts.append(text)
            boxes.append(raw_line["bbox"])
            homes.append(home)
        if len(texts) > count:
            block_boxes.append(raw_block["bbox"])
    # Table rows go on one text line, cells in x order and a space apart, each cell keeping
    # its own line box; everything else is one text line per PyMuPDF line, as before.
    parts: list[str] = []
    blocks: list[dict[str, Any]] = []
    offset = 0
    for source, text_lines in arrange(homes, find_rows(boxes, texts, homes)):
        lines: list[dict[str, Any]] = []
        for cells in text_lines:
            if parts:
                separator = "\n" if lines else "\n\n"
                parts.append(separator)
                offset += len(separator)
            for k, i in enumerate(cells):
                if k:  # the cells of a row, a space apart
                    parts.append(" ")
                    offset += 1
                text = texts[i]
                lines.append({"bbox": _bbox(boxes[i]), "start": offset, "end": offset + len(text)})
                parts.append(text)
                offset += len(text)
        box = block_boxes[source] if source is not None else union(
            [boxes[i] for cells in text_lines for i in cells])
        blocks.append({"bbox": _bbox(box), "lines": lines})
    rect = page.rect
    return {"document_id": document_id, "number": page.number + 1, "width": rect.width,
            "height": rect.height, "text": "".join(parts), "blocks": blocks, "warnings": [],
            "_images": bool(page.get_images(full=False)), "_unmapped": unmapped,
            "_garbled": 1 - kept_chars / raw_chars if raw_chars else 0.0}


# This thread's recent PDFs, kept open for their next page ranges (see ``_reopen``). Module
# state, not the extractor's: extractors are pickled to worker processes.
_OPEN = threading.local()
OPEN_DOCUMENTS = 4  # one more than the documents ingested at once by default


class PyMuPdfExtractor:
    """Stateless and picklable; safe to run in worker processes and threads. ``ocr``: how
    pages without usable text are recognised (``None``: they are not)."""

    def __init__(self, ocr: OcrOptions | None = None) -> None:
        self.ocr = ocr

    def inspect(self, path: Path) -> PdfInfo:
        with path.open("rb") as handle:
            head = handle.read(1024)
        if b"%PDF-" not in head:
            raise NotAPdf("the file does not start with a PDF header")
        document = _open(path)
        try:
            try:
                pages = document.page_count  # MuPDF checks the page tree's claims here
            except Exception as exc:
                raise UnreadablePdf(f"the PDF's page tree is broken: {exc}") from None
            title = (document.metadata or {}).get("title") or None
            return PdfInfo(page_count=pages, encrypted=bool(document.is_encrypted),
                           title=title.strip()[:500] if title else None,
                           scanned=_looks_scanned(document))
        finally:
            document.close()

    def extract(self, path: Path, first: int, last: int, document_id: str) -> ExtractedPages:
        pages = [DocumentPage.model_validate_json(page.body) for page in page_json_lines(
            self.extract_lines(path, first, last, document_id), first, last)]
        return ExtractedPages(first=first, last=last, pages=pages)

    def extract_lines(self, path: Path, first: int, last: int, document_id: str) -> str:
        document = self._reopen(path)
        return "\n".join(json.dumps(_safe_page(document, document_id, number, self.ocr),
                                     ensure_ascii=False, separators=(",", ":"))
                          for number in range(first, last + 1))

    def _reopen(self, path: Path) -> pymupdf.Document:
        """The PDF, kept open for its next page range (this thread's ``OPEN_DOCUMENTS`` most
        recent ones: a worker takes ranges of the few documents ingested at once in turn).

        A 10-Q is read in several ranges, and opening it (MuPDF loads the outline) and closing
        it cost ~10-50 ms each time. The key has the file's size and mtime, so a replaced
        file is opened afresh."""
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        documents: OrderedDict[tuple[str, int, int], pymupdf.Document] | None = getattr(
            _OPEN, "documents", None)
        if documents is None:
            documents = _OPEN.documents = OrderedDict()
        if key in documents:
            documents.move_to_end(key)
            return documents[key]
        document = _open(path)
        documents[key] = document
        while len(documents) > OPEN_DOCUMENTS:
            documents.popitem(last=False)[1].close()
        return document

    def render(self, path: Path, number: int, highlights: list[tuple[float, float, float, float]],
               zoom: float) -> bytes:
        document = _open(path)
        try:
            page = document[number - 1]
            # Extracted boxes are in the displayed (rotated) page space; annotations want the
            # unrotated one.
            rects = [pymupdf.Rect(box) * page.derotation_matrix for box in highlights]
            if rects:
                annot = page.add_highlight_annot(rects)
                annot.set_colors(stroke=(1.0, 0.85, 0.0))
                annot.update(opacity=0.45)
            pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), annots=True)
            return bytes(pixmap.tobytes("png"))
        finally:
            document.close()

    def thumbnail(self, path: Path, width: int) -> bytes:
        document = _open(path)
        try:
            page = document[0]
            zoom = width / max(page.rect.width, 1.0)
            # A very tall first page is cut to its top (a preview, not the page).
            clip = pymupdf.Rect(page.rect.x0, page.rect.y0, page.rect.x1,
                                page.rect.y0 + min(page.rect.height, page.rect.width * 1.5))
            pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=clip, alpha=False)
            return bytes(pixmap.tobytes("png"))
        finally:
            document.close()


def _warning(number: int, code: str, message: str) -> dict[str, Any]:
    return {"page": number, "code": code, "message": message}


def _safe_page(document: pymupdf.Document, document_id: str, number: int,
               ocr: OcrOptions | None = None) -> dict[str, Any]:
    try:
        source = document[number - 1]
        page = _page(document_id, source)
    except Exception as exc:
        return {"document_id": document_id, "number": number, "width": 0, "height": 0,
                "text": "", "blocks": [],
                "warnings": [_warning(number, "page_unreadable", f"page could not be read: {exc}")]}
    has_images, unmapped = page.pop("_images"), page.pop("_unmapped")
    garbled = page.pop("_garbled")
    if ocr is not None and _needs_ocr(source, page["text"], has_images, garbled):
        return _recognised(document_id, source, page, ocr)
    if unmapped:
        page["warnings"].append(_warning(
            number, "unmapped_font",
            "some text uses a font without a Unicode mapping and cannot be read"))
    if not page["text"].strip() and not unmapped:
        page["warnings"].append(
            _warning(number, "no_text_layer", "no text layer (a scanned image): install "
                     "Tesseract to read it (AGENTFLOW_INGEST__OCR)")
            if has_images else _warning(number, "empty_page", "page has no text"))
    return page


def _needs_ocr(page: pymupdf.Page, text: str, has_images: bool, garbled: float) -> bool:
    """No usable text: none at all, mostly unmapped glyphs, or a few characters on a page an
    image covers."""
    chars = len(text.strip())
    if chars == 0 or garbled >= _GARBLED_SHARE:
        return True
    return chars < _SCAN_TEXT_CHARS and has_images and _image_share(page) >= 0.5


def _image_share(page: pymupdf.Page) -> float:
    area = float(abs(page.rect)) or 1.0
    covered = sum(float(abs(pymupdf.Rect(info["bbox"]) & page.rect))
                  for info in page.get_image_info())
    return min(1.0, covered / area)


def _recognised(document_id: str, source: pymupdf.Page, text_page: dict[str, Any],
                ocr: OcrOptions) -> dict[str, Any]:
    """The page as Tesseract reads its image; the text layer's page with an ``ocr_failed``
    warning when recognition fails."""
    number = text_page["number"]
    try:
        result = recognise(source, ocr)
    except OcrFailed as exc:
        text_page["warnings"].append(_warning(number, "ocr_failed", str(exc)))
        return text_page
    page = _page(document_id, source, result.layout)
    for flag in ("_images", "_unmapped", "_garbled"):
        page.pop(flag)
    if len(page["text"].strip()) <= len(text_page["text"].strip()):
        text_page["warnings"].append(_warning(
            number, "empty_page" if not text_page["text"].strip() else "ocr_no_gain",
            "no text was recognised on the page image"))
        return text_page
    page["ocr"], page["ocr_confidence"] = True, result.confidence
    return page


def _looks_scanned(document: pymupdf.Document) -> bool:
    """Whether one of the first pages is an image without text: its pages are then read in
    small ranges, so that several workers recognise them at once."""
    for number in range(min(_SCANNED_SAMPLE, document.page_count)):
        page = document[number]
        if not page.get_text("text").strip() and page.get_images(full=False):
            return True
    return False
