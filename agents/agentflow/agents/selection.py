"""Choosing the sentences of an extractive answer: scoring, selection, confidence.

Pure functions over candidates (a sentence, its passage, its cosine to the question), so the
policy is unit-tested without a model. A sentence's score mixes meaning (cosine), the share of
the question's content words it contains, and its passage's retrieval rank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agentflow.retrieval.sentences import Sentence
from agentflow.retrieval.terms import STOPWORDS, content_terms, stem

__all__ = ["STOPWORDS", "Candidate", "Scored", "confidence", "content_terms", "is_relevant",
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


def shortlist(question: str, sentences: list[tuple[int, Sentence]], limit: int
              ) -> list[tuple[int, Sentence]]:
    """The ``limit`` sentences most worth embedding, by the question words they contain and
    their passage's rank: embedding every sentence of every passage costs more than the whole
    latency budget on two cores."""
    terms = content_terms(question)

    def promise(item: tuple[int, Sentence]) -> float:
        rank, sentence = item
        coverage = len(terms & content_terms(sentence.text)) / len(terms) if terms else 0.0
        return coverage + 0.3 / (1.0 + rank)

    return sorted(sentences, key=promise, reverse=True)[:limit]


def score(candidates: list[Candidate], question: str) -> list[Scored]:
    """Scores, best first."""
    terms = content_terms(question)
    scored = []
    for c in candidates:
        lexical = len(terms & content_terms(c.sentence.text)) / len(terms) if terms else 0.0
        rank_prior = 1.0 / (1.0 + c.passage)
        value = DENSE_WEIGHT * c.cosine + LEXICAL_WEIGHT * lexical + RANK_WEIGHT * rank_prior
        scored.append(Scored(c, lexical, value))
    return sorted(scored, key=lambda s: -s.score)


def is_relevant(best: Scored, *, min_cosine: float) -> bool:
    """Whether the best sentence answers anything: close in meaning, or sharing the words."""
    return best.candidate.cosine >= min_cosine or (
        best.candidate.cosine >= min_cosine * 0.6 and best.lexical >= 0.5)


def select(scored: list[Scored], *, max_sentences: int, min_cosine: float,
           relative_floor: float = 0.75, redundancy: float = 0.9) -> list[Scored]:
    """The best relevant sentences, skipping near-duplicates of ones already chosen."""
    if not scored or not is_relevant(scored[0], min_cosine=min_cosine):
        return []
    floor = scored[0].score * relative_floor
    chosen: list[Scored] = []
    for item in scored:
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
