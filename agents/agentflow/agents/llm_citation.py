"""The citation agent on a language model: structured output, then the same verification.

The model maps each answer sentence to a passage and a word-for-word quote. Nothing it says is
trusted: a quote must be found on one of its passage's pages and be close in meaning to the
sentence; otherwise the citation is repaired from the passage sentence that supports the
sentence best, or dropped. The result never holds a quote that is not on its page.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agentflow.agents.citation import (
    MIN_SUPPORT,
    CitationAgent,
    QuoteVerifier,
    supported_citation,
)
from agentflow.agents.llm_run import LlmRuntime, model_of, prompt
from agentflow.agents.llm_synthesis import passages_block
from agentflow.agents.support import similarity
from agentflow.domain.errors import AgentFailed
from agentflow.domain.messages import (
    AgentMessage,
    AgentName,
    AnswerSentence,
    CitationRequest,
    CitationResponse,
    expect,
)
from agentflow.domain.queries import Citation, Passage
from agentflow.ports.page_store import PageStore
from agentflow.retrieval.sentences import SentenceVectors


class QuoteChoice(BaseModel):
    sentence: int = Field(description="number of the answer sentence")
    passage: int = Field(description="number of the passage that supports it")
    quote: str = Field(description="words copied exactly from that passage")


class QuoteChoices(BaseModel):
    items: list[QuoteChoice]


class LlmCitationAgent:
    name = AgentName.CITATION

    def __init__(self, runtime: LlmRuntime, catalog: PageStore, vectors: SentenceVectors) -> None:
        self._runtime = runtime
        self._catalog = catalog
        self._vectors = vectors
        self._instructions = prompt("citation")

    async def handle(self, message: AgentMessage) -> CitationResponse:
        request = expect(message, CitationRequest, self.name)
        model = model_of(request, self.name)
        if not any(s.passage is not None and s.start is None for s in request.sentences):
            # Extractive sentences are their own quotes: no model call is needed.
            return await CitationAgent(self._catalog, self._vectors).handle(request)
        wanted = [s for s in request.sentences if s.passage is not None]
        agent = self._runtime.agent("citation", model, self._instructions,
                                    output_type=QuoteChoices)
        text = (f"Passages:\n\n{passages_block(request.passages)}\n\nAnswer sentences:\n"
                + "".join(f"{s.n}. {s.text}\n" for s in wanted))
        result, usage = await self._runtime.run(agent, text, model=model,
                                                role=self.name.value)
        choices = result.final_output
        if not isinstance(choices, QuoteChoices):
            raise AgentFailed(f"model {model} returned no quote list",
                              agent=self.name.value, model=model)
        by_sentence = {c.sentence: c for c in choices.items}
        verifier = QuoteVerifier(self._catalog, request.tenant_id)
        citations, unverified = [], []
        for sentence in wanted:
            citation = await self._cited(verifier, sentence, by_sentence.get(sentence.n),
                                         request.passages)
            if citation is None:
                unverified.append(sentence.n)
            else:
                citations.append(citation)
        return CitationResponse(trace_id=request.trace_id, tenant_id=request.tenant_id,
                                query_id=request.query_id, citations=citations,
                                unverified=unverified, usage=usage)

    async def _cited(self, verifier: QuoteVerifier, sentence: AnswerSentence,
                     choice: QuoteChoice | None, passages: list[Passage]) -> Citation | None:
        if choice is not None and 1 <= choice.passage <= len(passages) and choice.quote.strip():
            support = await similarity(self._vectors, sentence.text, choice.quote)
            if support >= MIN_SUPPORT:
                citation = await verifier.cite(sentence.n, passages[choice.passage - 1],
                                               choice.quote.strip(), offset=None,
                                               support=support)
                if citation is not None:
                    return citation
        # The model's quote is missing, invented, or does not support the sentence: repair.
        return await supported_citation(verifier, self._vectors, sentence, passages)
