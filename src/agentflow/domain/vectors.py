"""Vectors and search hits exchanged with the vector index."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from agentflow.domain.documents import PageSpan


class SparseVector(BaseModel):
    """Non-zero term weights: ``values[i]`` is the weight of term ``indices[i]``."""

    indices: list[int]
    values: list[float]


class IndexedChunk(BaseModel):
    """A chunk ready for the index: its ids, pages, text and both vectors."""

    chunk_id: str
    tenant_id: str
    document_id: str
    document_name: str = ""
    page_start: int
    page_end: int
    text: str
    spans: list[PageSpan] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    section: str = ""  # the page title and heading it sits under
    dense: list[float]
    sparse: SparseVector


class SearchMode(StrEnum):
    """What a search ranks by: dense vectors, BM25 (sparse), or both fused."""

    DENSE = "dense"
    BM25 = "bm25"
    HYBRID = "hybrid"


class FusionMethod(StrEnum):
    """How hybrid search merges its two rankings: reciprocal rank fusion or distribution-based
    score fusion."""

    RRF = "rrf"
    DBSF = "dbsf"


class Fusion(BaseModel):
    """How dense and BM25 results are merged in hybrid search."""

    method: FusionMethod = FusionMethod.RRF
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, gt=0)
    sparse_weight: float = Field(default=1.0, gt=0)


class SearchFilters(BaseModel):
    """Narrows a search to these documents and to chunks with any of these tags (``None``: all)."""

    document_ids: list[str] | None = Field(default=None, max_length=100)
    tags: list[str] | None = Field(default=None, max_length=50)


class SearchQuery(BaseModel):
    """A search within one tenant; the index adapter applies the tenant filter itself."""

    tenant_id: str
    dense: list[float] | None = None
    sparse: SparseVector | None = None
    mode: SearchMode = SearchMode.HYBRID
    limit: int = 10
    prefetch_limit: int = 50
    fusion: Fusion = Field(default_factory=Fusion)
    filters: SearchFilters = Field(default_factory=SearchFilters)


class SearchHit(BaseModel):
    """One chunk a search found, with its score (higher is better)."""

    chunk_id: str
    document_id: str
    document_name: str = ""
    page_start: int
    page_end: int
    text: str
    spans: list[PageSpan] = Field(default_factory=list)
    score: float
    section: str = ""
