"""Chunk context: page titles, headings and column headers found in real page text."""

from __future__ import annotations

import re

from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
from agentflow.domain.documents import Chunk, PageSpan
from agentflow.ingestion.context import (
    PageOutline,
    chunk_context,
    indexed_text,
    is_column_header,
    is_heading,
    with_context,
)
from tests.conftest import shared

LABEL = "3M Company annual report FY2018"


def _page_text(number: int) -> str:
    path = shared("financebench-dev", "pdfs", "3M_2018_10K.pdf")
    (page,) = PyMuPdfExtractor().extract(path, number, number, "d").pages
    return page.text


def test_headings_and_column_headers() -> None:
    assert is_heading("Consolidated Statement of Cash Flows")
    assert is_heading("Item 7. Management's Discussion and Analysis")
    assert not is_heading("The Company recorded a charge of $1,577 million.")
    assert not is_heading("Total revenue $ 13,000 $ 11,139")
    assert is_column_header("(Millions) 2018 2017 2016")
    assert is_column_header("December 31, 2022 2021")
    assert not is_column_header("In 2018, sales grew 3%")


def test_a_cash_flow_page_outline() -> None:
    text = _page_text(60)
    outline = PageOutline.of(text)
    assert outline.title.startswith("3M Company and Subsidiaries")
    assert "Cash Flow" in outline.title
    start = text.index("Purchases of property, plant and equipment")
    heading, header = outline.above(start)
    assert heading == "Cash Flows from Investing Activities"
    assert header.split()[-3:] == ["2018", "2017", "2016"]
    context, section = chunk_context(LABEL, outline, start, text[start:start + 500])
    assert context.startswith(LABEL) and "columns: " in context
    assert "Cash Flows from Investing Activities" in section and "2018" in section


def test_context_is_indexed_not_stored() -> None:
    text = _page_text(60)
    start = text.index("Purchases of property")
    chunk = Chunk(id="c", document_id="d", tenant_id="t", ordinal=0, text=text[start:start + 80],
                  token_count=20, page_start=60, page_end=60,
                  spans=[PageSpan(page=60, start=start, end=start + 80)])
    (placed,) = with_context([chunk], LABEL, {60: text})
    assert placed.text == chunk.text  # what is cited stays the page's text
    assert indexed_text(placed).startswith(LABEL) and indexed_text(placed).endswith(chunk.text)
    assert with_context([chunk], LABEL, {})[0].context == LABEL  # no page: the label alone


def test_a_header_of_periods_stacked_one_per_line() -> None:
    path = shared("financebench-dev", "pdfs", "BESTBUY_2023_10K.pdf")
    (page,) = PyMuPdfExtractor().extract(path, 40, 40, "d").pages
    outline = PageOutline.of(page.text)  # "January 28, 2023" / "January 29, 2022" / ...
    _, header = outline.above(page.text.index("Gross profit"))
    assert re.findall(r"20\d\d", header) == ["2023", "2022", "2021"]
    assert "January 28, 2023" not in outline.headings
