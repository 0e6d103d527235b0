"""``VectorIndex`` on Qdrant Edge: the real Qdrant engine inside this process.

One shard holds every tenant: named vectors ``dense`` (384, cosine) and ``bm25`` (sparse, IDF),
payload indexes on ``tenant_id`` (``is_tenant``), ``document_id`` and ``tags``. Every query and
delete carries the tenant filter. HNSW building (``optimize``) runs on a background thread once
enough new points have arrived; it releases the GIL and does not block searches or upserts.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import structlog
from qdrant_edge import (
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    FieldCondition,
    Filter,
    Fusion,
    HnswIndexConfig,
    KeywordIndexParams,
    MatchAny,
    MatchValue,
    Modifier,
    Point,
    Prefetch,
    Query,
    QueryRequest,
    UpdateOperation,
)
from qdrant_edge import SparseVector as EdgeSparseVector

from agentflow.adapters.vector.payload import DENSE, SPARSE, chunk_payload, search_hit
from agentflow.domain.vectors import (
    FusionMethod,
    IndexedChunk,
    SearchHit,
    SearchMode,
    SearchQuery,
)

log = structlog.get_logger(__name__)


def _config(dimension: int) -> EdgeConfig:
    return EdgeConfig(
        vectors={DENSE: EdgeVectorParams(size=dimension, distance=Distance.Cosine)},
        sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)},
        # One indexing thread: HNSW building must leave the other core to ingestion and queries.
        hnsw_config=HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=10_000,
                                    max_indexing_threads=1),
    )


def _filter(tenant_id: str, document_id: str | None = None,
            document_ids: list[str] | None = None, tags: list[str] | None = None) -> Filter:
    must: list[FieldCondition] = [FieldCondition(key="tenant_id", match=MatchValue(tenant_id))]
    if document_id is not None:
        must.append(FieldCondition(key="document_id", match=MatchValue(document_id)))
    if document_ids is not None:
        must.append(FieldCondition(key="document_id", match=MatchAny(document_ids)))
    if tags:
        must.append(FieldCondition(key="tags", match=MatchAny(tags)))
    return Filter(must=must)  # type: ignore[arg-type]


class QdrantEdgeIndex:
    """Thread-safe wrapper of one ``EdgeShard``."""

    def __init__(self, path: Path, *, dimension: int = 384, optimize_every: int = 20_000) -> None:
        self._path = path
        path.mkdir(parents=True, exist_ok=True)
        if (path / "edge_config.json").exists():
            self._shard = EdgeShard.load(str(path))
        else:
            self._shard = EdgeShard.create(str(path), _config(dimension))
            for field, params in (("tenant_id", KeywordIndexParams(is_tenant=True)),
                                  ("document_id", KeywordIndexParams()),
                                  ("tags", KeywordIndexParams())):
                self._shard.update(UpdateOperation.create_field_index(field, params))
        self._optimize_every = optimize_every
        self._pending = 0
        self._optimizer: threading.Thread | None = None
        self._lock = threading.Lock()

    async def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        if not chunks:
            return
        points = [
            Point(
                id=chunk.chunk_id,
                vector={DENSE: chunk.dense,
                        SPARSE: EdgeSparseVector(chunk.sparse.indices, chunk.sparse.values)},
                payload=chunk_payload(chunk),
            )
            for chunk in chunks
        ]
        await asyncio.to_thread(self._shard.update, UpdateOperation.upsert_points(points))
        self._note_writes(len(points))

    def _note_writes(self, count: int) -> None:
        with self._lock:
            self._pending += count
            if self._pending < self._optimize_every or (
                self._optimizer is not None and self._optimizer.is_alive()
            ):
                return
            self._pending = 0
            self._optimizer = threading.Thread(target=self._optimize, name="qdrant-edge-optimize",
                                               daemon=True)
            self._optimizer.start()

    def _optimize(self) -> None:
        try:
            changed = self._shard.optimize()
            log.info("vector_index_optimized", changed=changed)
        except Exception as exc:  # an optimizer failure must not kill the process
            log.error("vector_index_optimize_failed", error=str(exc))

    def wait_for_optimizer(self, timeout_s: float | None = None) -> None:
        """Block until a running background optimisation finishes (tests, benchmarks)."""
        optimizer = self._optimizer
        if optimizer is not None:
            optimizer.join(timeout_s)

    async def search(self, query: SearchQuery) -> list[SearchHit]:
        flt = _filter(query.tenant_id, document_ids=query.filters.document_ids,
                      tags=query.filters.tags)
        dense = None if query.dense is None else Query.Nearest(query.dense, using=DENSE)
        sparse = None if query.sparse is None else Query.Nearest(
            EdgeSparseVector(query.sparse.indices, query.sparse.values), using=SPARSE)
        if query.mode is SearchMode.DENSE or (query.mode is SearchMode.HYBRID and sparse is None):
            request = QueryRequest(limit=query.limit, query=dense, filter=flt, with_payload=True)
        elif query.mode is SearchMode.BM25 or dense is None:
            request = QueryRequest(limit=query.limit, query=sparse, filter=flt, with_payload=True)
        else:
            fusion = query.fusion
            weights = [fusion.dense_weight, fusion.sparse_weight]
            method = (Fusion.Dbsf() if fusion.method is FusionMethod.DBSF
                      else Fusion.Rrf(k=fusion.rrf_k, weights=weights))
            request = QueryRequest(
                # The stubs type ``query`` as ``Fusion``; its variants are nested classes.
                limit=query.limit, with_payload=True, query=method,  # type: ignore[arg-type]
                prefetches=[Prefetch(limit=query.prefetch_limit, query=dense, filter=flt),
                            Prefetch(limit=query.prefetch_limit, query=sparse, filter=flt)],
            )
        if request.query is None:
            raise ValueError("a search needs a dense or a sparse query vector")
        points = await asyncio.to_thread(self._shard.query, request)
        return [search_hit(point.payload, point.score) for point in points]

    async def count(self, tenant_id: str, document_id: str | None = None) -> int:
        request = CountRequest(filter=_filter(tenant_id, document_id), exact=True)
        return await asyncio.to_thread(self._shard.count, request)

    async def delete_document(self, tenant_id: str, document_id: str) -> None:
        operation = UpdateOperation.delete_points_by_filter(_filter(tenant_id, document_id))
        await asyncio.to_thread(self._shard.update, operation)

    async def close(self) -> None:
        self.wait_for_optimizer()
        await asyncio.to_thread(self._shard.flush)
        self._shard.close()

    async def drop(self) -> None:
        await self.close()
        await asyncio.to_thread(shutil.rmtree, self._path, True)
