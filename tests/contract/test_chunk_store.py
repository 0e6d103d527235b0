"""Chunks: the contract, run against both catalog adapters (SQLite, Redis)."""

from __future__ import annotations

from agentflow.domain.documents import (
    Chunk,
    PageSpan,
)
from agentflow.ports.chunk_store import ChunkStore
from tests.contract.records import doc


async def test_a_chunk_is_found_by_id_within_its_document(catalog: ChunkStore) -> None:
    await catalog.add_document(doc("a", 1))
    chunk = Chunk(id="11111111-2222-4333-8444-555555555555", document_id="doc1", tenant_id="a",
                  ordinal=0, text="hello world", token_count=2, page_start=1, page_end=1,
                  spans=[PageSpan(page=1, start=0, end=11)])
    await catalog.replace_chunks("a", "doc1", [chunk])
    assert await catalog.find_chunk("a", "doc1", chunk.id) == chunk
    assert await catalog.find_chunk("b", "doc1", chunk.id) is None
    assert await catalog.find_chunk("a", "doc1", "00000000-0000-4000-8000-000000000000") is None
