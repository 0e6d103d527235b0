"""What the extractor reports about a PDF before and while its pages are read."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agentflow.domain.documents import DocumentPage, PageJson


class OcrOptions(BaseModel):
    """How pages without usable text are recognised: Tesseract's ``languages`` (``eng``,
    ``eng+deu``), the resolution pages are rendered at, and each page's time limit."""

    model_config = ConfigDict(frozen=True)

    languages: str = Field(default="eng", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
    dpi: int = Field(default=200, ge=72, le=600)
    timeout_s: float = Field(default=60.0, gt=0)


class PdfInfo(BaseModel):
    """Facts read from a PDF's header and trailer without reading its pages."""

    page_count: int
    encrypted: bool = False  # encrypted but readable without a password
    title: str | None = None  # the PDF's own title metadata, as written (often junk)
    scanned: bool = False  # its first pages include one with an image and no usable text


class ExtractedPages(BaseModel):
    """Pages ``first``..``last`` (1-based, inclusive) of a PDF, with per-page warnings."""

    first: int
    last: int
    pages: list[DocumentPage]


def recognised(page: PageJson) -> bool:
    """Whether the page's text was recognised from its image (the extractor writes page JSON
    compactly, so the flag reads ``"ocr":true``)."""
    return '"ocr":true' in page.body


def page_json_lines(lines: str, first: int, last: int) -> list[PageJson]:
    """Pages ``first``..``last`` from ``Extractor.extract_lines`` output (one page a line)."""
    bodies = lines.split("\n") if lines else []  # an empty range (a PDF of no pages) is ""
    if len(bodies) != last - first + 1:
        raise ValueError(f"expected {last - first + 1} pages, the extractor wrote {len(bodies)}")
    return [PageJson(number=first + i, body=body) for i, body in enumerate(bodies)]
