"""SparseEncoder contract (BM25 from Qdrant Edge)."""

from __future__ import annotations

import pytest

from agentflow.adapters.sparse.bm25 import Bm25Encoder
from agentflow.ports.sparse_encoder import SparseEncoder


@pytest.fixture(params=["bm25"])
def encoder(request: pytest.FixtureRequest) -> SparseEncoder:
    return Bm25Encoder()


def test_queries_share_terms_with_matching_documents(encoder: SparseEncoder) -> None:
    docs = encoder.encode_documents(["Revenue grew strongly", "Rain fell all day"])
    query = encoder.encode_query("revenue growth")
    assert set(query.indices) & set(docs[0].indices)
    assert not set(query.indices) & set(docs[1].indices)
    assert all(v > 0 for v in docs[0].values) and len(docs[0].indices) == len(docs[0].values)


def test_stopwords_only_text_gives_an_empty_vector(encoder: SparseEncoder) -> None:
    assert encoder.encode_query("the of and").indices == []
