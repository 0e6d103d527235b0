"""Extractive answer policy: scoring, relevance, redundancy, confidence, related questions."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from agentflow.agents.related import related_questions, topic
from agentflow.agents.retrieval import search_text
from agentflow.agents.selection import Candidate, confidence, content_terms, score, select
from agentflow.domain.queries import Passage
from agentflow.retrieval.sentences import Sentence


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=8).astype(np.float32)
    return v / np.linalg.norm(v)


def _candidate(text: str, cosine: float, passage: int = 0, seed: int = 0) -> Candidate:
    return Candidate(passage, Sentence(0, len(text), text), cosine, _vector(seed))


def test_content_terms_drop_stopwords_and_stem_plurals() -> None:
    assert content_terms("What were the total net sales?") == {"total", "net", "sale"}


def test_meaning_and_shared_words_rank_a_sentence_first() -> None:
    question = "How much did services revenue grow?"
    ranked = score([_candidate("The weather was mild.", 0.1, seed=1),
                    _candidate("Services revenue grew 12% to $19.6 billion.", 0.7, seed=2),
                    _candidate("Revenue is recognised when control passes.", 0.5, seed=3)],
                   question)
    assert ranked[0].candidate.sentence.text.startswith("Services revenue grew")
    assert ranked[0].lexical == 2 / 3  # services, revenue (not grow: irregular)


def test_nothing_relevant_selects_nothing() -> None:
    ranked = score([_candidate("Inventories are stated at cost.", 0.12, seed=1)],
                   "Who won the 1998 world cup?")
    assert select(ranked, max_sentences=4, min_cosine=0.35) == []
    assert confidence([], min_cosine=0.35) == 0.0


def test_near_duplicates_are_skipped_and_the_count_is_capped() -> None:
    same = _candidate("Net sales increased 2% in the quarter.", 0.8, seed=7)
    twin = _candidate("Net sales increased 2% in the third quarter.", 0.79, seed=7)
    others = [_candidate(f"Net sales of product {i} increased.", 0.7, seed=10 + i)
              for i in range(5)]
    chosen = select(score([same, twin, *others], "net sales increase"), max_sentences=3,
                    min_cosine=0.35)
    texts = [c.candidate.sentence.text for c in chosen]
    assert len(chosen) == 3 and texts[0] == same.sentence.text
    assert twin.sentence.text not in texts


def test_better_supported_answers_get_higher_confidence() -> None:
    question = "How much did services revenue grow?"
    strong = select(score([_candidate("Services revenue grew 12%.", 0.78, seed=1),
                           _candidate("Services revenue reached a record.", 0.7, seed=2)],
                          question), max_sentences=4, min_cosine=0.35)
    weak = select(score([_candidate("Revenue is recognised over time.", 0.4, seed=3)],
                        question), max_sentences=4, min_cosine=0.35)
    assert 0 < confidence(weak, min_cosine=0.35) < confidence(strong, min_cosine=0.35) <= 1


def test_follow_ups_carry_the_previous_question() -> None:
    assert search_text("What about its margins?", ["How did Apple do in Q3?"]) == (
        "What about its margins? How did Apple do in Q3?")
    long_question = "What was the effective tax rate of Amazon in the third quarter of 2022?"
    assert search_text(long_question, ["How did Apple do in Q3?"]) == long_question
    assert search_text("What about margins?", []) == "What about margins?"


def test_related_questions_name_topics_the_question_did_not() -> None:
    passage = Passage(chunk_id="c", document_id="d", document_name="2022 Q3 AAPL.pdf",
                      page_start=1, page_end=1, score=1.0,
                      text="Greater China sales fell. Greater China is a segment. AppleCare "
                           "revenue grew in Greater China.")
    unused = score([_candidate("Net sales in Greater China decreased.", 0.5, seed=1),
                    _candidate("AppleCare revenue grew strongly.", 0.4, seed=2)],
                   "How did services do?")
    questions = related_questions("How did services do?", [passage], unused)
    assert questions[0] == "What does 2022 Q3 AAPL say about Greater China?"
    assert len(questions) == len(set(questions)) >= 2


def test_a_clause_without_a_topic_gives_no_question() -> None:
    assert topic("The following table shows the results.", Counter(), set()) is None


def test_a_fiscal_year_is_its_year() -> None:
    assert content_terms("FY2022 and FY22 sales, fiscal 2021") == {
        "2022", "sale", "fiscal", "2021"}


def test_a_sentence_high_on_shared_words_alone_does_not_hide_one_that_answers() -> None:
    question = "What are the geographies the company primarily operates in?"
    wordy = _candidate("Operating cash primarily comes from operations.", 0.2, seed=1)
    answer = _candidate("We have offices in London, Tokyo, Sydney and Mexico City.", 0.55,
                        passage=9, seed=2)
    ranked = score([wordy, answer], question)
    assert ranked[0].candidate is wordy  # first on words, but neither close nor covering
    assert [c.candidate for c in select(ranked, max_sentences=3, min_cosine=0.35)] == [answer]


def test_the_words_naming_a_passages_document_count_for_no_sentence() -> None:
    question = "Which were Best Buy's acquisitions?"
    names = {0: frozenset({"best", "buy"})}
    brand = _candidate("Best Buy sells Best Buy gift cards.", 0.5, seed=1)
    deal = _candidate("The acquisition added goodwill of $47 million.", 0.5, seed=2)
    plain = {s.candidate.sentence.text: s.lexical for s in score([brand, deal], question)}
    named = {s.candidate.sentence.text: s.lexical
             for s in score([brand, deal], question, names)}
    assert plain[brand.sentence.text] > plain[deal.sentence.text]
    assert named[brand.sentence.text] == 0 and named[deal.sentence.text] == 1.0


def test_words_of_one_family_share_a_term() -> None:
    # A light stemmer leaves "geographies" and "geographic" apart; their first seven letters
    # (truncation stemming) join the family.
    assert content_terms("geographies operates") == content_terms("geographic operations")
    assert content_terms("liabilities") == content_terms("liability") == {"liabili"}
    assert content_terms("operating operation") == {"operat"}


@pytest.mark.parametrize(("one", "other"), [
    ("current", "currency"), ("continuing", "contingencies"), ("liquidity", "liquidation"),
    ("revenue", "revert"), ("restructuring", "restricted"),
])
def test_words_of_other_families_stay_apart(one: str, other: str) -> None:
    assert content_terms(one) != content_terms(other)
