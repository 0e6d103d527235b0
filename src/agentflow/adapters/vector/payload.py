"""The chunk payload both Qdrant adapters store (Edge shard and server), written and read once."""

from __future__ import annotations

from typing import Any

from agentflow.domain.documents import PageSpan
from agentflow.domain.vectors import IndexedChunk, SearchHit

DENSE, SPARSE = "dense", "bm25"  # the named vectors


def chunk_payload(chunk: IndexedChunk) -> dict[str, Any]:
    return {"tenant_id": chunk.tenant_id, "document_id": chunk.document_id,
            "document_name": chunk.document_name, "page_start": chunk.page_start,
            "page_end": chunk.page_end, "text": chunk.text, "tags": chunk.tags,
            "chunk_id": chunk.chunk_id, "section": chunk.section,
            "spans": [[s.page, s.start, s.end] for s in chunk.spans]}


def search_hit(payload: dict[str, Any] | None, score: float) -> SearchHit:
    payload = payload or {}
    return SearchHit(
        chunk_id=str(payload["chunk_id"]), document_id=str(payload["document_id"]),
        document_name=str(payload.get("document_name", "")),
        page_start=int(payload["page_start"]), page_end=int(payload["page_end"]),
        text=str(payload["text"]), score=float(score), section=str(payload.get("section", "")),
        spans=[PageSpan(page=p, start=a, end=b) for p, a, b in payload.get("spans", [])])
