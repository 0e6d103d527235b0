"""Re-ranking of retrieved passages by their best-matching sentence.

No cross-encoder ships offline here, so the re-ranker reuses the embedding model at a finer
grain: a passage whose single best sentence is close to the question moves up. The new order is
a reciprocal-rank fusion of the first-stage order and the best-sentence order, so neither signal
can bury a passage the other ranks first. Whether it is on by default is decided by the SciFact
evaluation (see the README and ADR 0006).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from agentflow.domain.queries import Passage
from agentflow.retrieval.sentences import SentenceVectors


class Reranker(Protocol):
    """Re-orders passages for a question; returns the same passages with new scores."""

    async def rerank(self, text: str, query_vector: list[float] | None,
                     passages: list[Passage]) -> list[Passage]: ...


class BestSentenceReranker:
    def __init__(self, sentences: SentenceVectors, *, rrf_k: int = 10,
                 sentence_weight: float = 1.0) -> None:
        self._sentences = sentences
        self._rrf_k = rrf_k
        self._sentence_weight = sentence_weight

    async def best_sentence_scores(self, query: np.ndarray, passages: list[Passage]
                                   ) -> list[float]:
        split = [self._sentences.sentences(p.chunk_id, p.text, p.spans) for p in passages]
        vectors = await self._sentences.vectors([s.text for sentences in split for s in sentences])
        cosines, scores, row = vectors @ query, [], 0
        for sentences in split:
            scores.append(float(cosines[row:row + len(sentences)].max()) if sentences else -1.0)
            row += len(sentences)
        return scores

    async def rerank(self, text: str, query_vector: list[float] | None,
                     passages: list[Passage]) -> list[Passage]:
        if query_vector is None or len(passages) < 2:
            return passages
        query = np.asarray(query_vector, dtype=np.float32)
        best = await self.best_sentence_scores(query, passages)
        by_sentence = sorted(range(len(passages)), key=lambda i: -best[i])
        sentence_rank = {index: rank for rank, index in enumerate(by_sentence)}
        k = self._rrf_k
        fused = [1.0 / (k + i + 1) + self._sentence_weight / (k + sentence_rank[i] + 1)
                 for i in range(len(passages))]
        order = sorted(range(len(passages)), key=lambda i: -fused[i])
        return [passages[i].model_copy(update={"score": fused[i]}) for i in order]
