"""The best-sentence re-ranker: a passage whose single best sentence fits moves up."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agentflow.domain.queries import Passage
from agentflow.retrieval.rerank import BestSentenceReranker
from agentflow.retrieval.sentences import SentenceVectors


class KeywordEmbedder:
    """A stand-in model for the port: one axis per keyword, so cosines are predictable."""

    name, dimension = "keywords", 3
    KEYS = ("revenue", "weather", "inventory")

    @property
    def tokenizer(self) -> object:
        raise NotImplementedError

    def _vector(self, text: str) -> list[float]:
        v = np.array([text.lower().count(k) for k in self.KEYS], dtype=np.float32) + 0.01
        return (v / np.linalg.norm(v)).tolist()

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    async def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def _passage(n: int, text: str) -> Passage:
    return Passage(chunk_id=f"c{n}", document_id="d", document_name="a.pdf", page_start=1,
                   page_end=1, text=text, score=1.0 / (n + 1))


async def test_the_passage_with_the_best_sentence_rises() -> None:
    embedder = KeywordEmbedder()
    reranker = BestSentenceReranker(SentenceVectors(embedder))  # type: ignore[arg-type]
    passages = [_passage(0, "The weather report said weather, weather and more weather."),
                _passage(1, "Our revenue grew strongly in every quarter. The weather was fine."),
                _passage(2, "Inventory rose and some revenue came from inventory sales."),
                _passage(3, "Inventory levels were normal for the season.")]
    query = await embedder.embed_query("revenue")
    reranked = await reranker.rerank("revenue", query, passages)
    assert reranked[0].chunk_id == "c1"  # second in the first stage, best sentence overall
    assert sorted(p.chunk_id for p in reranked) == ["c0", "c1", "c2", "c3"]
    assert [p.score for p in reranked] == sorted((p.score for p in reranked), reverse=True)


async def test_without_a_query_vector_the_order_is_kept() -> None:
    reranker = BestSentenceReranker(SentenceVectors(KeywordEmbedder()))  # type: ignore[arg-type]
    passages = [_passage(0, "Some text here."), _passage(1, "More text here.")]
    assert await reranker.rerank("q", None, passages) == passages
