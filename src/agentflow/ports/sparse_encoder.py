"""Sparse (lexical) vectors for keyword search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentflow.domain.vectors import SparseVector


class SparseEncoder(Protocol):
    """Term weights for documents and queries; the index applies IDF."""

    def encode_documents(self, texts: Sequence[str]) -> list[SparseVector]:
        """Term-weight vectors of ``texts``, in order, for the index."""
        ...

    def encode_query(self, text: str) -> SparseVector:
        """The term vector of one search text."""
        ...
