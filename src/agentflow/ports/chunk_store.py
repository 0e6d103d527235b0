"""A document's chunks, in order, as chunking made them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentflow.domain.documents import Chunk


class ChunkStore(Protocol):
    """A document's chunks, in order, as chunking made them.

    Every read and write is scoped to one tenant by the adapter.
    """

    async def replace_chunks(
        self, tenant_id: str, document_id: str, chunks: Sequence[Chunk]
    ) -> None:
        """Replace every chunk of the document with ``chunks``."""
        ...

    async def get_chunks(
        self, tenant_id: str, document_id: str, *, start: int = 0, stop: int | None = None
    ) -> list[Chunk]:
        """Chunks with ordinal in ``[start, stop)``, in order."""
        ...

    async def find_chunk(self, tenant_id: str, document_id: str, chunk_id: str) -> Chunk | None:
        """The document's chunk with id ``chunk_id``, if any."""
        ...
