"""Vectors and search hits exchanged with the vector index."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class SparseVector(BaseModel):
    indices: list[int]
    values: list[float]


class IndexedChunk(BaseModel):
    """A chunk ready for the index: its ids, pages, text and both vectors."""

    chunk_id: str
    tenant_id: str
    document_id: str
    page_start: int
    page_end: int
    text: str
    tags: list[str] = Field(default_factory=list)
    dense: list[float]
    sparse: SparseVector


class SearchMode(StrEnum):
    DENSE = "dense"
    BM25 = "bm25"
    HYBRID = "hybrid"


class SearchFilters(BaseModel):
    document_ids: list[str] | None = None
    tags: list[str] | None = None


class SearchQuery(BaseModel):
    """A search within one tenant; the index adapter applies the tenant filter itself."""

    tenant_id: str
    dense: list[float] | None = None
    sparse: SparseVector | None = None
    mode: SearchMode = SearchMode.HYBRID
    limit: int = 10
    prefetch_limit: int = 50
    filters: SearchFilters = Field(default_factory=SearchFilters)


class SearchHit(BaseModel):
    chunk_id: str
    document_id: str
    page_start: int
    page_end: int
    text: str
    score: float
