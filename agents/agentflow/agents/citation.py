"""The citation agent: each ``[n]`` of the answer tied to a page and a quote checked to be there.

The quote's page is the one its characters lie on in the chunk (a chunk spanning two pages cites
the page where the quote is). The quote is then looked up in that page's stored text; one that
is not found there (or on the chunk's other pages) is reported as unverified and never emitted.
"""

from __future__ import annotations

from agentflow.domain.documents import DocumentPage
from agentflow.domain.messages import (
    AgentMessage,
    AgentName,
    AnswerSentence,
    CitationRequest,
    CitationResponse,
    expect,
)
from agentflow.domain.queries import AgentUsage, Citation, Passage
from agentflow.ports.catalog import Catalog
from agentflow.retrieval.quotes import find_quote, quote_boxes

MODEL = "verbatim-match"


def page_offset(passage: Passage, offset: int) -> tuple[int, int | None]:
    """The page of the passage's character ``offset`` and that character's offset on the page."""
    position = 0
    for span in passage.spans:
        length = span.end - span.start
        if offset < position + length:
            return span.page, span.start + (offset - position)
        position += length + 1
    return passage.page_start, None


class CitationAgent:
    name = AgentName.CITATION

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def handle(self, message: AgentMessage) -> CitationResponse:
        request = expect(message, CitationRequest, self.name)
        pages: dict[tuple[str, int], DocumentPage | None] = {}
        citations, unverified = [], []
        for sentence in request.sentences:
            passage = request.passages[sentence.passage]
            citation = await self._cite(request.tenant_id, passage, sentence, pages)
            if citation is None:
                unverified.append(sentence.n)
            else:
                citations.append(citation)
        usage = AgentUsage(model=MODEL, input_tokens=sum(len(s.text.split())
                                                         for s in request.sentences))
        return CitationResponse(trace_id=request.trace_id, tenant_id=request.tenant_id,
                                query_id=request.query_id, citations=citations,
                                unverified=unverified, usage=usage)

    async def _page(self, tenant_id: str, document_id: str, number: int,
                    pages: dict[tuple[str, int], DocumentPage | None]) -> DocumentPage | None:
        key = (document_id, number)
        if key not in pages:
            pages[key] = await self._catalog.get_page(tenant_id, document_id, number)
        return pages[key]

    async def _cite(self, tenant_id: str, passage: Passage, sentence: AnswerSentence,
                    pages: dict[tuple[str, int], DocumentPage | None]) -> Citation | None:
        expected, near = page_offset(passage, sentence.start)
        others = [p for p in range(passage.page_start, passage.page_end + 1) if p != expected]
        for number in [expected, *others]:
            page = await self._page(tenant_id, passage.document_id, number, pages)
            if page is None:
                continue
            found = find_quote(page.text, sentence.text, near=near if number == expected else None)
            if found is None:
                continue
            return Citation(
                n=sentence.n, document_id=passage.document_id,
                document_name=passage.document_name, page=number, quote=sentence.text,
                bboxes=quote_boxes(page, *found), support=sentence.score,
                chunk_id=passage.chunk_id,
            )
        return None
