"""The citation agent on a chunk that spans two pages, against a real (SQLite) catalog."""

from __future__ import annotations

from pathlib import Path

from agentflow.adapters.catalog.sqlite import SqliteCatalog
from agentflow.agents.citation import CitationAgent, page_offset
from agentflow.domain.documents import DocumentPage, PageSpan, TextBlock, TextLine
from agentflow.domain.messages import AnswerSentence, CitationRequest
from agentflow.domain.queries import Passage

PAGE_3 = "Intro text on page three.\nRevenue grew 12% in the quarter."
PAGE_4 = "Costs fell 3% on lower\nfreight rates. Outlook unchanged."


def _page(number: int, text: str) -> DocumentPage:
    first, _ = text.split("\n")
    lines = [TextLine(bbox=(50, 100, 300, 112), start=0, end=len(first)),
             TextLine(bbox=(50, 114, 280, 126), start=len(first) + 1, end=len(text))]
    return DocumentPage(document_id="d", number=number, width=612, height=792, text=text,
                        blocks=[TextBlock(bbox=(50, 100, 300, 126), lines=lines)])


def _passage() -> Passage:
    # The chunk starts mid-page 3 and runs into page 4; pages are joined by "\n".
    start = PAGE_3.index("Revenue")
    text = PAGE_3[start:] + "\n" + PAGE_4
    return Passage(chunk_id="c", document_id="d", document_name="r.pdf", page_start=3,
                   page_end=4, text=text, score=1.0,
                   spans=[PageSpan(page=3, start=start, end=len(PAGE_3)),
                          PageSpan(page=4, start=0, end=len(PAGE_4))])


def _sentence(n: int, passage: Passage, quote: str) -> AnswerSentence:
    start = passage.text.index(quote)
    return AnswerSentence(n=n, text=" ".join(quote.split()), passage=0, start=start,
                          end=start + len(quote), score=0.7)


def test_offsets_map_to_the_page_they_lie_on() -> None:
    passage = _passage()
    assert page_offset(passage, 0) == (3, PAGE_3.index("Revenue"))
    assert page_offset(passage, passage.text.index("Costs")) == (4, 0)


async def test_each_quote_cites_its_own_page_with_boxes(tmp_path: Path) -> None:
    catalog = SqliteCatalog(tmp_path / "c.sqlite3")
    try:
        await catalog.save_pages("t", [_page(3, PAGE_3), _page(4, PAGE_4)])
        passage = _passage()
        request = CitationRequest(
            tenant_id="t", query_id="q", passages=[passage],
            sentences=[_sentence(1, passage, "Revenue grew 12% in the quarter."),
                       _sentence(2, passage, "Costs fell 3% on lower\nfreight rates."),
                       AnswerSentence(n=3, text="Profits tripled.", passage=0, start=0, end=5,
                                      score=0.5)])
        response = await CitationAgent(catalog).handle(request)
    finally:
        await catalog.close()
    first, second = response.citations
    assert (first.n, first.page, second.n, second.page) == (1, 3, 2, 4)
    assert second.quote == "Costs fell 3% on lower freight rates."
    assert len(second.bboxes) == 2 and len(first.bboxes) == 1
    assert response.unverified == [3]  # not on any page of the chunk: never emitted
