"""Metrics asked for, searched with the line items financial statements print them as."""

from __future__ import annotations

from agentflow.agents.figures import lexical, rows
from agentflow.domain.queries import Passage
from agentflow.retrieval.lexicon import expanded, line_items


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
