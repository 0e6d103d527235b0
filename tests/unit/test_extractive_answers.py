"""The extractive synthesis agent on the real embedding model: which sentences answer."""

from __future__ import annotations

from agentflow.adapters.events.memory_log import MemoryEventLog
from agentflow.agents.synthesis import NOTHING_FOUND, ExtractiveSynthesisAgent
from agentflow.domain.messages import SynthesisRequest
from agentflow.domain.queries import Passage
from agentflow.ports.embedder import Embedder
from agentflow.retrieval.sentences import SentenceVectors


def _passage(n: int, name: str, text: str) -> Passage:
    return Passage(chunk_id=f"c{n}", document_id="d", document_name=name, page_start=n,
                   page_end=n, text=text, score=1.0)


async def _answer(embedder: Embedder, question: str, passages: list[Passage],
                  shortlist: int = 12) -> str:
    agent = ExtractiveSynthesisAgent(SentenceVectors(embedder), MemoryEventLog(),
                                     shortlist=shortlist)
    response = await agent.handle(SynthesisRequest(
        tenant_id="t", query_id="q", question=question, passages=passages))
    return response.answer


async def test_the_company_named_in_every_sentence_does_not_pick_the_answer(
        embedder: Embedder) -> None:
    name = "BESTBUY_2023_10K.pdf"
    brand = _passage(1, name, "The Best Buy brand is sold at Best Buy stores. Best Buy "
                              "Health serves Best Buy customers at home. Best Buy Ads "
                              "sells advertising on Best Buy websites.")
    deal = _passage(2, name, "In fiscal 2022, we acquired all of the outstanding shares of "
                             "Current Health Ltd. The acquisition is aligned with our focus "
                             "on virtual care.")
    answer = await _answer(embedder, "What major acquisitions has Best Buy made in FY2022?",
                           [brand, deal], shortlist=2)
    assert "we acquired all of the outstanding shares of Current Health" in answer


async def test_sentences_sharing_only_the_companys_name_are_read_before_giving_up(
        embedder: Embedder) -> None:
    name = "ACMEWIDGETS_2022_10K.pdf"
    cash = _passage(1, name, "Cash from operating activities rose in the year. Operating "
                             "leases relate to equipment.")
    offices = _passage(7, name, "Acme Widgets has its principal offices in London, Tokyo, "
                                "Sydney and Mexico City.")
    answer = await _answer(embedder, "In which geographies does Acme Widgets primarily "
                                     "operate?", [cash, offices], shortlist=2)
    assert answer != NOTHING_FOUND
    assert "London, Tokyo" in answer
