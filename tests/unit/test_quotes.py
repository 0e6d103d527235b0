"""Quote lookup on a page (whitespace-insensitive) and the boxes it covers."""

from __future__ import annotations

from agentflow.domain.documents import DocumentPage, TextBlock, TextLine
from agentflow.retrieval.quotes import find_quote, quote_boxes

PAGE_TEXT = "Total net sales increased 2%\nduring the quarter.\n\nServices grew 12%."


def _page() -> DocumentPage:
    lines = [TextLine(bbox=(10, 100, 290, 112), start=0, end=28),
             TextLine(bbox=(10, 114, 200, 126), start=29, end=48),
             TextLine(bbox=(10, 140, 190, 152), start=50, end=68)]
    return DocumentPage(document_id="d", number=1, width=600, height=800, text=PAGE_TEXT,
                        blocks=[TextBlock(bbox=(10, 100, 290, 126), lines=lines[:2]),
                                TextBlock(bbox=(10, 140, 190, 152), lines=lines[2:])])


def test_a_quote_is_found_across_a_line_break() -> None:
    found = find_quote(PAGE_TEXT, "increased 2% during the quarter.")
    assert found is not None
    assert PAGE_TEXT[found[0]:found[1]] == "increased 2%\nduring the quarter."


def test_an_absent_or_empty_quote_is_not_found() -> None:
    assert find_quote(PAGE_TEXT, "Services shrank 12%.") is None
    assert find_quote(PAGE_TEXT, "   ") is None


def test_near_prefers_the_occurrence_at_the_expected_place() -> None:
    text = "Revenue grew. Costs fell. Revenue grew."
    assert find_quote(text, "Revenue grew.", near=20) == (26, 39)
    assert find_quote(text, "Revenue grew.") == (0, 13)


def test_boxes_cover_only_the_quoted_part_of_each_line() -> None:
    page = _page()
    start, end = find_quote(PAGE_TEXT, "increased 2% during the quarter.") or (0, 0)
    boxes = quote_boxes(page, start, end)
    assert len(boxes) == 2
    first, second = boxes
    assert 10 < first[0] < 290 and first[2] == 290  # starts mid-line, runs to its end
    assert second[0] == 10 and second[2] == 200  # the whole second line
    assert quote_boxes(page, 50, 68) == [(10, 140, 190, 152)]
