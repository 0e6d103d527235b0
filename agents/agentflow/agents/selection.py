"""Choosing the sentences of an extractive answer: scoring, selection, confidence.

Pure functions over candidates (a sentence, its passage, its cosine to the question), so the
policy is unit-tested without a model. A sentence's score mixes meaning (cosine), the share of
the question's content words it contains, and its passage's retrieval rank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from agentflow.retrieval.sentences import Sentence
from agentflow.retrieval.terms import STOPWORDS, content_terms, stem

__all__ = ["STOPWORDS", "Candidate", "Scored", "confidence", "content_terms", "is_pointer",
           "is_relevant",
           "score", "select", "shortlist", "stem"]

DENSE_WEIGHT, LEXICAL_WEIGHT, RANK_WEIGHT = 0.6, 0.3, 0.1


@dataclass(frozen=True)
class Candidate:
    passage: int  # rank of its passage (0 = best)
    sentence: Sentence
    cosine: float
    vector: np.ndarray


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    lexical: float  # share of the question's content terms it contains
    score: float


Names = Mapping[int, AbstractSet[str]]  # passage rank -> the words naming its document


def coverage(question: set[str], text: str, name: AbstractSet[str] = frozenset()) -> float:
    """The share of the question's content terms that ``text`` holds. The words naming the
    text's own document ("Best Buy" in a Best Buy filing) are on nearly every one of its
    sentences, so they say nothing of which sentence answers and count on neither side."""
    asked = question - name
    return len(asked & content_terms(text)) / len(asked) if asked else 0.0


def shortlist(question: str, sentences: list[tuple[int, Sentence]], limit: int,
              names: Names | None = None) -> list[tuple[int, Sentence]]:
    """The ``limit`` sentences most worth embedding, by the question words they contain and
    their passage's rank: embedding every sentence of every passage costs more than the whole
    latency budget on two cores."""
    terms, names = content_terms(question), names or {}

    def promise(item: tuple[int, Sentence]) -> float:
        rank, sentence = item
        return coverage(terms, sentence.text, names.get(rank, frozenset())) + 0.3 / (1.0 + rank)

    return sorted(sentences, key=promise, reverse=True)[:limit]


def score(candidates: list[Candidate], question: str, names: Names | None = None,
          ) -> list[Scored]:
    """Scores, best first (``names``: the words naming each passage's document)."""
    terms, names = content_terms(question), names or {}
    scored = []
    for c in candidates:
        lexical = coverage(terms, c.sentence.text, names.get(c.passage, frozenset()))
        rank_prior = 1.0 / (1.0 + c.passage)
        value = DENSE_WEIGHT * c.cosine + LEXICAL_WEIGHT * lexical + RANK_WEIGHT * rank_prior
        scored.append(Scored(c, lexical, value))
    return sorted(scored, key=lambda s: -s.score)


_POINTER = re.compile(r"(?i)^\(?(?:refer\s+to|see(?!['\u2019])|for\s+(?:additional|more|"
                      r"further)\s+(?:information|details|discussion))\b")
POINTER_WORDS = 20  # longer, a sentence starting "See ..." says something itself


def is_pointer(text: str) -> bool:
    """Whether a sentence only points to another part of the document ("See Note 7.")."""
    return bool(_POINTER.match(text)) and len(text.split()) <= POINTER_WORDS


def is_relevant(best: Scored, *, min_cosine: float) -> bool:
    """Whether the best sentence answers anything: close in meaning, or sharing the words."""
    return best.candidate.cosine >= min_cosine or (
        best.candidate.cosine >= min_cosine * 0.6 and best.lexical >= 0.5)


def select(scored: list[Scored], *, max_sentences: int, min_cosine: float,
           relative_floor: float = 0.75, redundancy: float = 0.9) -> list[Scored]:
    """The best relevant sentences, skipping near-duplicates of ones already chosen. A
    sentence scored high on shared words alone, neither close in meaning nor holding most of
    the question's words, is passed over, not taken as proof that nothing answers."""
    relevant = [item for item in scored if is_relevant(item, min_cosine=min_cosine)]
    if not relevant:
        return []
    # A pointer elsewhere ("Refer to Note 2, Acquisitions, for additional information.") shares
    # the question's words and answers nothing: it is read only when nothing else is relevant.
    relevant = [item for item in relevant if not is_pointer(item.candidate.sentence.text)
                ] or relevant
    floor = relevant[0].score * relative_floor
    chosen: list[Scored] = []
    for item in relevant:
        if len(chosen) == max_sentences or item.score < floor:
            break
        if any(float(item.candidate.vector @ c.candidate.vector) >= redundancy for c in chosen):
            continue
        if any(item.candidate.sentence.text == c.candidate.sentence.text for c in chosen):
            continue
        chosen.append(item)
    return chosen


def confidence(chosen: list[Scored], *, min_cosine: float) -> float:
    """In [0, 1]: how well the answer is supported; 0 when nothing was chosen.

    Rises with the best sentence's closeness to the question (from ``min_cosine`` upward), with
    the question words it covers, and a little with corroborating sentences.
    """
    if not chosen:
        return 0.0
    best = chosen[0]
    closeness = (best.candidate.cosine - min_cosine * 0.6) / (0.8 - min_cosine * 0.6)
    corroboration = min(len(chosen) - 1, 2) * 0.05
    value = 0.65 * closeness + 0.25 * best.lexical + corroboration
    return float(np.clip(value, 0.05, 0.99))
