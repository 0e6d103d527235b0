"""``SparseEncoder`` on Qdrant Edge's BM25 (same tokenisation in Edge and server deployments)."""

from __future__ import annotations

from collections.abc import Sequence

from qdrant_edge import Bm25, Bm25Config

from agentflow.domain.vectors import SparseVector


class Bm25Encoder:
    """Term-frequency weights with BM25 saturation; the index applies IDF (``Modifier.Idf``)."""

    def __init__(self, *, k: float = 1.2, b: float = 0.75, avg_len: float = 180.0) -> None:
        self._model = Bm25(Bm25Config(k=k, b=b, avg_len=avg_len, language="english"))

    def encode_documents(self, texts: Sequence[str]) -> list[SparseVector]:
        out = []
        for text in texts:
            vector = self._model.embed_document(text)
            out.append(SparseVector(indices=list(vector.indices), values=list(vector.values)))
        return out

    def encode_query(self, text: str) -> SparseVector:
        vector = self._model.embed_query(text)
        return SparseVector(indices=list(vector.indices), values=list(vector.values))
