"""Dense + sparse vector search over chunks, partitioned by tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentflow.domain.vectors import IndexedChunk, SearchHit, SearchQuery


class VectorIndex(Protocol):
    """The adapter applies ``tenant_id`` filters itself: callers cannot search across tenants."""

    async def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        """Insert or replace chunks by ``chunk_id`` (idempotent)."""
        ...

    async def search(self, query: SearchQuery) -> list[SearchHit]: ...

    async def count(self, tenant_id: str, document_id: str | None = None) -> int: ...

    async def delete_document(self, tenant_id: str, document_id: str) -> None:
        """Remove every vector of the document."""
        ...

    async def close(self) -> None: ...
