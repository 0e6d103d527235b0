"""The citation agent: each ``[n]`` of the answer tied to a page and a quote checked to be there.

The quote's page is the one its characters lie on in the chunk (a chunk spanning two pages cites
the page where the quote is). The quote is then looked up in that page's stored text; one that
is not found there (or on the chunk's other pages) is reported as unverified and never emitted.
An extractive sentence is its own quote; a model's sentence gets the passage sentence that
supports it best, if one is close enough in meaning.
"""

from __future__ import annotations

from agentflow.agents.support import best_support
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
from agentflow.ports.page_store import PageStore
from agentflow.retrieval.quotes import find_quote, quote_boxes
from agentflow.retrieval.sentences import SentenceVectors

MODEL = "verbatim-match"
MIN_SUPPORT = 0.5  # cosine of a model's sentence and its quote; below it, the quote is not support


def page_offset(passage: Passage, offset: int) -> tuple[int, int | None]:
    """The page of the passage's character ``offset`` and that character's offset on the page."""
    position = 0
    for span in passage.spans:
        length = span.end - span.start
        if offset < position + length:
            return span.page, span.start + (offset - position)
        position += length + 1
    return passage.page_start, None


class QuoteVerifier:
    """Finds a quote on its passage's pages (reading each page once per request)."""

    def __init__(self, catalog: PageStore, tenant_id: str) -> None:
        self._catalog = catalog
        self._tenant_id = tenant_id
        self._pages: dict[tuple[str, int], DocumentPage | None] = {}

    async def _page(self, document_id: str, number: int) -> DocumentPage | None:
        key = (document_id, number)
        if key not in self._pages:
            self._pages[key] = await self._catalog.get_page(self._tenant_id, document_id, number)
        return self._pages[key]

    async def cite(self, n: int, passage: Passage, quote: str, *, offset: int | None,
                   support: float) -> Citation | None:
        """A citation of ``quote`` (at ``offset`` in the passage, if known), or None when it is
        on none of the passage's pages."""
        if offset is None:
            located = find_quote(passage.text, quote)
            offset = located[0] if located else None
        expected, near = page_offset(passage, offset) if offset is not None else (
            passage.page_start, None)
        others = [p for p in range(passage.page_start, passage.page_end + 1) if p != expected]
        for number in [expected, *others]:
            page = await self._page(passage.document_id, number)
            if page is None:
                continue
            found = find_quote(page.text, quote, near=near if number == expected else None)
            if found is None:
                continue
            return Citation(n=n, document_id=passage.document_id,
                            document_name=passage.document_name, page=number, quote=quote,
                            bboxes=quote_boxes(page, *found), support=round(support, 4),
                            chunk_id=passage.chunk_id)
        return None


async def supported_citation(verifier: QuoteVerifier, vectors: SentenceVectors | None,
                             sentence: AnswerSentence, passages: list[Passage],
                             ) -> Citation | None:
    """A verified quote for a model's sentence from the passage sentence that supports it."""
    if vectors is None:
        return None
    support = await best_support(vectors, sentence.text, passages, sentence.cited,
                                 min_cosine=MIN_SUPPORT)
    if support is None:
        return None
    return await verifier.cite(sentence.n, passages[support.passage], support.sentence.text,
                               offset=support.sentence.start, support=support.cosine)


class CitationAgent:
    name = AgentName.CITATION

    def __init__(self, catalog: PageStore, vectors: SentenceVectors | None = None) -> None:
        self._catalog = catalog
        self._vectors = vectors

    async def handle(self, message: AgentMessage) -> CitationResponse:
        request = expect(message, CitationRequest, self.name)
        verifier = QuoteVerifier(self._catalog, request.tenant_id)
        citations, unverified = [], []
        for sentence in request.sentences:
            if sentence.passage is None:
                continue  # cites nothing: nothing to verify
            if sentence.start is not None:  # extractive: the sentence is its own quote
                citation = await verifier.cite(sentence.n, request.passages[sentence.passage],
                                               sentence.text, offset=sentence.start,
                                               support=sentence.score)
            else:
                citation = await supported_citation(verifier, self._vectors, sentence,
                                                    request.passages)
            if citation is None:
                unverified.append(sentence.n)
            else:
                citations.append(citation)
        usage = AgentUsage(model=MODEL, input_tokens=sum(len(s.text.split())
                                                         for s in request.sentences))
        return CitationResponse(trace_id=request.trace_id, tenant_id=request.tenant_id,
                                query_id=request.query_id, citations=citations,
                                unverified=unverified, usage=usage)
