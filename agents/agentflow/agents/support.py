"""Which passage sentence best supports a sentence someone else wrote (a model's paraphrase).

Used to find a quote for a model's sentence when no quote was given, and to repair a quote a
model got wrong: the candidate is the passage sentence closest in meaning (all-MiniLM-L6-v2
cosine), with a small preference for the passages the sentence itself cited.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentflow.domain.queries import Passage
from agentflow.retrieval.sentences import Sentence, SentenceVectors

CITED_BONUS = 0.05


@dataclass(frozen=True)
class Support:
    passage: int
    sentence: Sentence
    cosine: float


async def best_support(vectors: SentenceVectors, text: str, passages: list[Passage],
                       prefer: list[int], *, min_cosine: float) -> Support | None:
    """The best supporting sentence of ``passages`` for ``text``, if it reaches ``min_cosine``."""
    candidates = [(index, sentence) for index, passage in enumerate(passages)
                  for sentence in vectors.sentences(passage.chunk_id, passage.text, passage.spans)]
    if not candidates or not text.strip():
        return None
    embedded = await vectors.vectors([text, *(s.text for _, s in candidates)])
    cosines = embedded[1:] @ embedded[0]
    best: Support | None = None
    best_rank = -1.0
    for (index, sentence), cosine in zip(candidates, cosines, strict=True):
        rank = float(cosine) + (CITED_BONUS if index in prefer else 0.0)
        if rank > best_rank:
            best, best_rank = Support(index, sentence, float(cosine)), rank
    return best if best is not None and best.cosine >= min_cosine else None


async def similarity(vectors: SentenceVectors, a: str, b: str) -> float:
    embedded = await vectors.vectors([a, b])
    return float(embedded[0] @ embedded[1])
