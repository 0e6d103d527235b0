"""Dense text embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Tokenizer(Protocol):
    """The embedding model's own tokenizer, so chunks fit its window exactly."""

    max_tokens: int

    def pieces(self, texts: Sequence[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        """Ids and character spans of every word piece of each text (no special tokens)."""
        ...

    def count(self, text: str) -> int:
        """Word pieces in ``text``, special tokens excluded."""
        ...

    def remember(self, text: str, ids: Sequence[int]) -> None:
        """Note that ``text`` is exactly these word pieces (as ``pieces`` gave them), so that
        embedding it soon after need not tokenise it again. Chunking calls this for every
        chunk cut between words; a tokenizer may keep or ignore it."""
        ...


class Embedder(Protocol):
    """Maps texts to L2-normalised vectors of ``dimension`` floats."""

    name: str
    dimension: int

    @property
    def tokenizer(self) -> Tokenizer:
        """The model's own tokenizer (chunking cuts chunks to its window)."""
        ...

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in the order of ``texts`` (chunks, at ingestion)."""
        ...

    async def embed_query(self, text: str) -> list[float]:
        """The vector of one search text; adapters may serve it apart from document batches, so a
        question does not wait behind ingestion."""
        ...
