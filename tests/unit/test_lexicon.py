"""Metrics and topics asked for, searched with the line items and section names reports use."""

from __future__ import annotations

from agentflow.agents.figures import lexical, rows
from agentflow.domain.queries import Passage
from agentflow.retrieval.lexicon import expanded, line_items, section_names
from agentflow.runtime.container import Container


def test_metrics_bring_their_line_items() -> None:
    assert line_items("What is the FY2018 capital expenditure amount for 3M?") == [
        "purchases of property, plant and equipment; additions to property and equipment"]
    assert "operating income" in expanded("Does Adobe have an improving operating margin?")
    assert "gross profit" in expanded("What drove gross margin change?")
    assert len(line_items("free cash flow and EBITDA")) == 2


def test_questions_without_metrics_are_unchanged() -> None:
    question = "Who chairs the board of directors?"
    assert expanded(question) == question and line_items(question) == []


def test_the_capex_row_matches_a_capex_question_once_expanded() -> None:
    text = ("(Millions) 2018 2017 2016\n"
            "Purchases of property, plant and equipment (PP&E) (1,577) (1,373) (1,420)\n"
            "Cash interest payments 328 214 194")
    capex, interest = rows(Passage(chunk_id="c", document_id="d", document_name="n",
                                   page_start=1, page_end=1, text=text, score=1.0), 0)
    question = "What is the FY2018 capital expenditure amount (in USD millions) for 3M?"
    assert lexical(question, capex) == lexical(question, interest) == 0.0
    assert lexical(expanded(question), capex) > lexical(expanded(question), interest)


def test_topics_are_searched_with_the_names_of_their_report_sections() -> None:
    question = "Has PepsiCo reported any ongoing legal battles?"
    assert section_names(question) == ["legal proceedings; litigation; claims; contingencies"]
    assert "legal proceedings" in expanded(question, sections=True)
    assert expanded(question) == question  # answers are scored on the question's own words
    assert "geographic areas" in expanded("Which geographies does it operate in?",
                                          sections=True)
    assert section_names("What was the operating margin?") == []
    # Words of other meanings name no topic.
    for other in ("What were retained earnings in 2022?", "How large is its interest rate risk?",
                  "What did Regions Financial earn?"):
        assert section_names(other) == [], other
    assert section_names("What are the key risks to the business?") == ["risk factors"]


def test_a_pointer_elsewhere_is_read_only_when_nothing_else_answers() -> None:
    import numpy as np

    from agentflow.agents.selection import Candidate, is_pointer, score, select
    from agentflow.retrieval.sentences import Sentence

    assert is_pointer("Refer to Note 2, Acquisitions, for additional information.")
    assert is_pointer("See Note 7 for details.")
    assert not is_pointer("Seeing demand grow, we acquired Current Health in fiscal 2022.")

    def candidate(text: str, cosine: float, seed: int) -> Candidate:
        vector = np.random.default_rng(seed).normal(size=8).astype(np.float32)
        return Candidate(0, Sentence(0, len(text), text), cosine, vector / np.linalg.norm(vector))

    pointer = candidate("Refer to Note 2, Acquisitions, for additional information.", 0.55, 1)
    answer = candidate("In fiscal 2022 we acquired all shares of Current Health.", 0.45, 2)
    question = "What acquisitions did the company make?"
    chosen = select(score([pointer, answer], question), max_sentences=2, min_cosine=0.35)
    assert [c.candidate.sentence.text for c in chosen] == [answer.sentence.text]
    alone = select(score([pointer], question), max_sentences=2, min_cosine=0.35)
    assert [c.candidate.sentence.text for c in alone] == [pointer.sentence.text]


async def test_the_retrieval_agent_searches_a_topic_with_its_section_names(
        container: Container) -> None:
    from agentflow.agents.retrieval import RetrievalAgent
    from agentflow.domain.messages import RetrievalRequest

    response = await RetrievalAgent(container.search).handle(RetrievalRequest(
        tenant_id="t", query_id="q", question="Is PepsiCo in any legal battles?"))
    assert "legal proceedings" in response.search_text
