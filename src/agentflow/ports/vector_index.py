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

    async def search(self, query: SearchQuery) -> list[SearchHit]:
        """The tenant's ``query.limit`` best chunks within ``query.filters``, best first, ranked as
        ``query.mode`` says: dense, BM25, or both fused."""
        ...

    async def count(self, tenant_id: str, document_id: str | None = None) -> int:
        """Vectors stored for the tenant, or for one of its documents."""
        ...

    async def delete_document(self, tenant_id: str, document_id: str) -> None:
        """Remove every vector of the document."""
        ...

    async def close(self) -> None:
        """Release the index (an embedded one is flushed to disk first)."""
        ...

    async def drop(self) -> None:
        """Delete the whole index with every point (a tenant's embedding generation it has
        left behind), and release it."""
        ...
