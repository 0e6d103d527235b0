"""Table rows rebuilt from line geometry: a row's cells on one text line, each with its own box;
prose, columns and pages without tables exactly as one text line per PyMuPDF line."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pymupdf
import pytest

from agentflow.adapters.extract import pymupdf_extractor
from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
from agentflow.adapters.extract.rows import arrange, find_rows, is_figure
from agentflow.domain.documents import DocumentPage
from tests.conftest import shared

Line = tuple[tuple[float, ...], int, int]
Layout = tuple[str, list[tuple[tuple[float, ...], list[Line]]]]


def _pdf(*parts: str) -> Path:
    """A real PDF under ../shared/data: skipped in a clone without it, required in CI."""
    return shared(*parts)


def _pages(path: Path, first: int, last: int) -> list[DocumentPage]:
    return PyMuPdfExtractor().extract(path, first, last, "d").pages


def _page(path: Path, number: int) -> DocumentPage:
    return _pages(path, number, number)[0]


def _text_lines(page: DocumentPage) -> list[list[str]]:
    """The page's text lines, each as the texts of its cells (cells are a space apart)."""
    lines: list[list[str]] = []
    end = -2
    for block in page.blocks:
        for line in block.lines:
            cell = page.text[line.start:line.end]
            if line.start == end + 1 and page.text[end] == " ":
                lines[-1].append(cell)
            else:
                lines.append([cell])
            end = line.end
    return lines


def _line_per_line(pdf: pymupdf.Document, number: int) -> Layout:
    """The extractor's layout before rows (frozen here as the reference): one text line per
    PyMuPDF line, ``\\n`` between lines and ``\\n\\n`` between blocks."""
    page = pdf[number - 1]
    layout = page.get_text("dict", flags=pymupdf_extractor._TEXT_FLAGS)  # type: ignore[no-untyped-call]
    text = ""
    blocks: list[tuple[tuple[float, ...], list[Line]]] = []
    for block in sorted(layout["blocks"], key=lambda b: (round(b["bbox"][3], 1), b["bbox"][0])):
        if block.get("type") != 0:
            continue
        lines: list[Line] = []
        for line in block["lines"]:
            raw = "".join(span["text"] for span in line["spans"])
            cell = pymupdf_extractor._UNMAPPED.sub("", raw).strip()
            if cell:
                text += ("\n" if lines else "\n\n") if text else ""
                lines.append((tuple(pymupdf_extractor._bbox(line["bbox"])), len(text),
                              len(text) + len(cell)))
                text += cell
        if lines:
            blocks.append((tuple(pymupdf_extractor._bbox(block["bbox"])), lines))
    return text, blocks


def _layout(page: DocumentPage) -> Layout:
    return page.text, [(tuple(block.bbox), [(tuple(line.bbox), line.start, line.end)
                                             for line in block.lines]) for block in page.blocks]


@pytest.mark.parametrize(("text", "figure"), [
    ("$", True), ("(1,577)", True), ("12.5%", True), ("—", True), ("2021", True),
    ("$ 1,577", True), ("(1)", True), ("-", True),
    ("Total revenue", False), ("(2022).", False), ("1,234,", False), ("()", False),
    ("10-Q", False), ("2.", False), ("1 abc", False),
])
def test_figures_are_numbers_currency_percentages_and_dashes(text: str, figure: bool) -> None:
    assert is_figure(text) is figure


def test_cells_on_one_baseline_form_a_row_from_the_label_to_the_last_figure() -> None:
    texts = ["Total revenue", "$", "13,000", "$", "11,139", "Prose right"]
    boxes = [(40.0, 182.8, 92.0, 192.5), (370.0, 181.4, 375.0, 191.1),
             (413.0, 181.4, 439.0, 191.1), (447.0, 181.4, 451.0, 191.1),
             (489.0, 181.4, 515.0, 191.1), (520.0, 182.0, 590.0, 191.0)]
    assert find_rows(boxes, texts, [0, 1, 1, 2, 2, 3]) == [[0, 1, 2, 3, 4]]
    # Two columns of words on one baseline are prose, not a row.
    assert find_rows(boxes[:1] + boxes[5:], ["Left prose", "Right prose"], [0, 1]) == []
    # A figure set lower than half its height is on the next line, not this one.
    low = (370.0, 188.0, 375.0, 197.7)
    assert find_rows([boxes[0], low], ["Total revenue", "$ 13,000"], [0, 1]) == []


def test_rows_are_written_at_their_label_and_consecutive_rows_share_a_block() -> None:
    # Lines 0-1: a paragraph (block 0). Line 2: a footnote mark (block 1) read before its
    # label. Block 2: a header (3) and the labels of two rows (4, 6). Blocks 3 and 4: the
    # rows' figures (5, 7), then a note under the table (8).
    homes = [0, 0, 1, 2, 2, 3, 2, 4, 4]
    rows = [[4, 2, 5], [6, 7]]
    assert list(arrange(homes, rows)) == [
        (0, [[0], [1]]),
        (None, [[3], [4, 2, 5], [6, 7]]),
        (None, [[8]]),
    ]
    assert list(arrange([0, 0, 1], [])) == [(0, [[0], [1]]), (1, [[2]])]


def test_a_cash_flow_statement_row_holds_its_label_and_three_years() -> None:
    page = _page(_pdf("financebench-dev", "pdfs", "3M_2018_10K.pdf"), 60)
    lines = _text_lines(page)
    assert ["(Millions)", "2018", "2017", "2016"] in lines
    assert ["Purchases of property, plant and equipment (PP&E)", "(1,577)", "(1,373)",
            "(1,420)"] in lines
    assert ("Net cash provided by (used in) investing activities 222 (3,086) (1,403)"
            in page.text.split("\n"))
    for block in page.blocks:  # every cell keeps its own box, left to right within a row
        for left, right in pairwise(block.lines):
            if page.text[left.end:right.start] == " ":
                assert left.bbox[0] < right.bbox[0]


def test_a_balance_sheet_row_holds_its_label_and_both_years() -> None:
    lines = _text_lines(_page(_pdf("financebench-dev", "pdfs", "3M_2018_10K.pdf"), 58))
    assert ["(Dollars in millions, except per share amount)", "2018", "2017"] in lines
    assert ["Cash and cash equivalents", "$", "2,853", "$", "3,053"] in lines
    assert ["Total assets", "$", "36,500", "$", "37,987"] in lines
    assert ["Less: Accumulated depreciation", "(16,135)", "(16,048)"] in lines


def test_an_income_table_is_one_block_in_reading_order() -> None:
    page = _page(_pdf("pdfs", "real", "uber_2021.pdf"), 98)
    text = page.text.split("\n")
    assert text.count("Total revenue $ 13,000 $ 11,139 $ 17,455") == 2
    # The footnote mark drawn apart from its label follows the label, after the header.
    table = text[text.index("Year Ended December 31,"):][:7]
    assert table == ["Year Ended December 31,", "2019 2020 2021",
                     "Mobility revenue (1) $ 10,707 $ 6,089 $ 6,953",
                     "Delivery revenue (1) 1,401 3,904 8,362", "Freight revenue 731 1,011 2,132",
                     "All Other revenue 161 135 8", "Total revenue $ 13,000 $ 11,139 $ 17,455"]
    block = next(b for b in page.blocks if page.text[b.lines[0].start:].startswith("Year"))
    assert page.text[block.lines[-1].end - 6:block.lines[-1].end] == "17,455"
    assert block.bbox == (min(line.bbox[0] for line in block.lines),
                          min(line.bbox[1] for line in block.lines),
                          max(line.bbox[2] for line in block.lines),
                          max(line.bbox[3] for line in block.lines))


@pytest.mark.parametrize(("parts", "number"), [
    (("pdfs", "real", "react_paper.pdf"), 20),  # two columns of prose with prices side by side
    (("pdfs", "real", "react_paper.pdf"), 29),
    (("pdfs", "real", "uber_2021.pdf"), 12),  # no table
    (("financebench-dev", "pdfs", "3M_2018_10K.pdf"), 10),
])
def test_prose_columns_and_pages_without_tables_are_as_before(parts: tuple[str, ...],
                                                               number: int) -> None:
    path = _pdf(*parts)
    with pymupdf_extractor._open(path) as pdf:
        assert _layout(_page(path, number)) == _line_per_line(pdf, number)


def test_a_caption_beside_a_table_keeps_its_column() -> None:
    lines = _text_lines(_page(_pdf("pdfs", "real", "react_paper.pdf"), 8))
    assert ["greedy decoding except BUTLER (Shridhar et al., 2020b), which uses"] in lines
    assert ["(2022)."] in lines  # the other column's last line, though it is all digits
    assert ["ReAct (avg)", "65", "39", "83", "76", "55", "24", "57", "ReAct", "66.6",
            "40.0"] in lines  # two tables side by side read as one


@pytest.mark.parametrize("parts", [("pdfs", "real", "uber_2021.pdf"),
                                   ("financebench-dev", "pdfs", "3M_2018_10K.pdf")])
def test_every_cell_slices_exactly_and_rows_keep_every_word(parts: tuple[str, ...]) -> None:
    path = _pdf(*parts)
    with pymupdf_extractor._open(path) as pdf:
        pages = _pages(path, 1, pdf.page_count)
        rows = 0
        for page in pages:
            before, _ = _line_per_line(pdf, page.number)
            assert sorted(page.text.split()) == sorted(before.split()), page.number
            end = 0  # cells, in order, tile the text: a space, a line or a block apart
            for line in (line for block in page.blocks for line in block.lines):
                assert page.text[end:line.start] in ((" ", "\n", "\n\n") if end else ("",))
                cell = page.text[line.start:line.end]
                assert cell and cell == cell.strip() and "\n" not in cell, (page.number, line)
                end = line.end
            assert end == len(page.text)
            rows += sum(len(text_line) > 1 for text_line in _text_lines(page))
        assert rows > 100
