"""``VectorIndex`` on a Qdrant server through ``qdrant-client`` (the distributed profile).

The same schema as the Qdrant Edge shard: named vectors ``dense`` (cosine) and ``bm25`` (sparse,
IDF), payload indexes on ``tenant_id`` (``is_tenant``, so Qdrant co-locates each tenant's
points), ``document_id`` and ``tags``; every query and delete carries the tenant filter. Hybrid
search prefetches both sides and fuses them in the server (DBSF, or RRF with k and weights).
``location=":memory:"`` runs the client's local mode (brute force: for contract tests only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qdrant_client import AsyncQdrantClient, models

from agentflow.adapters.vector.payload import DENSE, SPARSE, chunk_payload, search_hit
from agentflow.domain.vectors import FusionMethod, IndexedChunk, SearchHit, SearchMode, SearchQuery


def _filter(tenant_id: str, document_id: str | None = None,
            document_ids: list[str] | None = None, tags: list[str] | None = None,
            ) -> models.Filter:
    must: list[Any] = [models.FieldCondition(key="tenant_id",
                                             match=models.MatchValue(value=tenant_id))]
    if document_id is not None:
        must.append(models.FieldCondition(key="document_id",
                                          match=models.MatchValue(value=document_id)))
    if document_ids is not None:
        must.append(models.FieldCondition(key="document_id",
                                          match=models.MatchAny(any=document_ids)))
    if tags:
        must.append(models.FieldCondition(key="tags", match=models.MatchAny(any=tags)))
    return models.Filter(must=must)


class QdrantServerIndex:
    def __init__(self, client: AsyncQdrantClient, *, collection: str = "chunks",
                 dimension: int = 384, payload_indexes: bool = True) -> None:
        self._client = client
        self._collection = collection
        self._dimension = dimension
        self._payload_indexes = payload_indexes
        self._ready = False

    @classmethod
    def connect(cls, url: str, *, api_key: str | None = None, **options: Any) -> QdrantServerIndex:
        """``url``: ``http://qdrant:6333``, or ``:memory:`` for the client's local mode."""
        if url == ":memory:":  # local mode has no payload indexes (and warns about them)
            return cls(AsyncQdrantClient(location=":memory:"), payload_indexes=False, **options)
        return cls(AsyncQdrantClient(url=url, api_key=api_key), **options)

    async def _ensure(self) -> None:
        if self._ready:
            return
        if not await self._client.collection_exists(self._collection):
            await self._client.create_collection(
                self._collection,
                vectors_config={DENSE: models.VectorParams(size=self._dimension,
                                                           distance=models.Distance.COSINE)},
                sparse_vectors_config={SPARSE: models.SparseVectorParams(
                    modifier=models.Modifier.IDF)})
            for field, schema in () if not self._payload_indexes else (
                    ("tenant_id", models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD,
                                                            is_tenant=True)),
                    ("document_id", models.PayloadSchemaType.KEYWORD),
                    ("tags", models.PayloadSchemaType.KEYWORD)):
                await self._client.create_payload_index(self._collection, field, schema)
        self._ready = True

    async def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        if not chunks:
            return
        await self._ensure()
        points = [models.PointStruct(
            id=chunk.chunk_id,
            vector={DENSE: chunk.dense,
                    SPARSE: models.SparseVector(indices=chunk.sparse.indices,
                                                values=chunk.sparse.values)},
            payload=chunk_payload(chunk))
            for chunk in chunks]
        await self._client.upsert(self._collection, points=points, wait=True)

    async def search(self, query: SearchQuery) -> list[SearchHit]:
        await self._ensure()
        flt = _filter(query.tenant_id, document_ids=query.filters.document_ids,
                      tags=query.filters.tags)
        sparse = None if query.sparse is None else models.SparseVector(
            indices=query.sparse.indices, values=query.sparse.values)
        options: dict[str, Any] = {"limit": query.limit, "with_payload": True}
        if query.mode is SearchMode.DENSE or (query.mode is SearchMode.HYBRID and sparse is None):
            options.update(query=query.dense, using=DENSE, query_filter=flt)
        elif query.mode is SearchMode.BM25 or query.dense is None:
            options.update(query=sparse, using=SPARSE, query_filter=flt)
        else:
            fusion = query.fusion
            options.update(
                query=models.FusionQuery(fusion=models.Fusion.DBSF)
                if fusion.method is FusionMethod.DBSF else models.RrfQuery(rrf=models.Rrf(
                    k=fusion.rrf_k, weights=[fusion.dense_weight, fusion.sparse_weight])),
                prefetch=[models.Prefetch(query=query.dense, using=DENSE, filter=flt,
                                          limit=query.prefetch_limit),
                          models.Prefetch(query=sparse, using=SPARSE, filter=flt,
                                          limit=query.prefetch_limit)])
        if options["query"] is None:
            raise ValueError("a search needs a dense or a sparse query vector")
        response = await self._client.query_points(self._collection, **options)
        return [search_hit(point.payload, point.score) for point in response.points]

    async def count(self, tenant_id: str, document_id: str | None = None) -> int:
        await self._ensure()
        result = await self._client.count(self._collection,
                                          count_filter=_filter(tenant_id, document_id), exact=True)
        return int(result.count)

    async def delete_document(self, tenant_id: str, document_id: str) -> None:
        await self._ensure()
        await self._client.delete(self._collection, wait=True,
                                  points_selector=models.FilterSelector(
                                      filter=_filter(tenant_id, document_id)))

    async def close(self) -> None:
        await self._client.close()

    async def drop(self) -> None:
        if await self._client.collection_exists(self._collection):
            await self._client.delete_collection(self._collection)
        await self.close()
