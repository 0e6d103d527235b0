"""The search functions: dense, keyword (BM25), hybrid (fused in the index), and listing.

Written once: the extractive retrieval agent calls them directly, and the MCP server exposes the
same functions as tools. The tenant is always an argument and the index adapter applies it, so no
caller can search across tenants.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from agentflow.domain.documents import Document, DocumentStatus
from agentflow.domain.profiles import Routing
from agentflow.domain.queries import Passage
from agentflow.domain.vectors import Fusion, SearchFilters, SearchHit, SearchMode, SearchQuery
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.embedder import Embedder
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.vector_index import VectorIndex
from agentflow.retrieval.fusion import fuse_ranks
from agentflow.retrieval.rerank import Reranker
from agentflow.retrieval.routing import DocumentRouter
from agentflow.retrieval.sections import by_section
from agentflow.retrieval.sentences import SentenceVectors
from agentflow.retrieval.statement_pages import (
    STATEMENT_DOCUMENTS,
    STATEMENT_POOL,
    statement_hits,
    statement_query,
    with_statements,
)
from agentflow.retrieval.statements import Statement
from agentflow.retrieval.tenant_models import TenantModels


@dataclass
class SearchService:
    """Turns text into a query of the index and hits into passages."""

    embedder: Embedder
    sparse: SparseEncoder
    index: VectorIndex
    catalog: DocumentRecords
    fusion: Fusion = field(default_factory=Fusion)
    prefetch_limit: int = 50
    reranker: Reranker | None = None
    vectors: SentenceVectors | None = None  # a text-vector cache shared with the agents
    rerank_by_default: bool = False  # hybrid searches re-rank unless told otherwise
    rerank_depth: int = 20
    router: DocumentRouter | None = None  # routes questions to documents before chunk search
    preferred_weight: float = 2.0  # a preferred document's chunks against everyone's, in RRF
    section_weight: float = 0.15  # the section ranking against the search's own, in RRF
    section_pool: int = 30  # candidates a routed search re-ranks by section
    models: TenantModels | None = None  # tenants' own models; None: all on embedder, index

    async def vector_search(self, tenant_id: str, text: str, *, limit: int = 5,
                            filters: SearchFilters | None = None) -> list[Passage]:
        """Nearest chunks by meaning (all-MiniLM-L6-v2 cosine)."""
        return await self.search(tenant_id, text, mode=SearchMode.DENSE, limit=limit,
                                 filters=filters)

    async def keyword_search(self, tenant_id: str, text: str, *, limit: int = 5,
                             filters: SearchFilters | None = None) -> list[Passage]:
        """Best chunks by BM25 over their words."""
        return await self.search(tenant_id, text, mode=SearchMode.BM25, limit=limit,
                                 filters=filters)

    async def hybrid_search(self, tenant_id: str, text: str, *, limit: int = 5,
                            filters: SearchFilters | None = None) -> list[Passage]:
        """Dense and BM25 results fused in the index (RRF by default), then re-ranked if set."""
        return await self.search(tenant_id, text, mode=SearchMode.HYBRID, limit=limit,
                                 filters=filters)

    async def routed_search(self, tenant_id: str, text: str, *, limit: int = 5,
                            filters: SearchFilters | None = None,
                            statements: Sequence[Statement] = (),
                            ) -> tuple[list[Passage], Routing]:
        """Hybrid search that first routes ``text`` to the documents it names (see
        ``DocumentRouter``): those are searched alone or boosted. Explicit ``filters`` win.
        For each of ``statements`` (the financial statements the question wants), the best
        matching chunk of that statement's pages in each of the first preferred documents is
        among the passages."""
        passages, routing = await self._search(
            tenant_id, text, mode=SearchMode.HYBRID, limit=limit,
            filters=filters or SearchFilters(), rerank=None, route=True)
        preferred = [p.document_id for p in routing.preferred][:STATEMENT_DOCUMENTS]
        if not statements or not preferred or not passages:
            return passages, routing
        # The question's own vector (cached: the search above embedded it); the captions
        # only need the keyword side, and a second embedding would cost more than the search.
        index, dense = await self._chunk_side(tenant_id, text.strip(),
                                              await self._dense(text.strip()))
        sparse = self.sparse.encode_query(statement_query(text, statements))
        found = await asyncio.gather(*(index.search(SearchQuery(
            tenant_id=tenant_id, dense=dense, sparse=sparse, mode=SearchMode.HYBRID,
            limit=STATEMENT_POOL, prefetch_limit=STATEMENT_POOL, fusion=self.fusion,
            filters=(filters or SearchFilters()).model_copy(update={"document_ids": [document]})))
            for document in preferred))
        pages = await self._passages(tenant_id, [hit for hits in found
                                                 for hit in statement_hits(hits, statements)])
        return with_statements(passages, pages, limit), routing

    async def route(self, tenant_id: str, text: str, *,
                    filters: SearchFilters | None = None) -> Routing:
        """The documents ``text`` names, best first, and why (``find_documents``)."""
        if self.router is None or not text.strip():
            return Routing(reason="routing is off")
        dense = await self._dense(text.strip())
        return await self.router.route(tenant_id, text, dense, self.sparse.encode_query(text),
                                       filters or SearchFilters())

    async def _dense(self, text: str) -> list[float]:
        if self.vectors is not None:
            vector: list[float] = (await self.vectors.vectors([text]))[0].tolist()
            return vector
        return await self.embedder.embed_query(text)

    async def _chunk_side(self, tenant_id: str, text: str, dense: list[float] | None,
                          ) -> tuple[VectorIndex, list[float] | None]:
        """The index of the tenant's chunks and the question's vector in its model's space
        (``dense`` is the shipped model's, which routing and re-ranking use)."""
        if self.models is None:
            return self.index, dense
        active = await self.models.active(tenant_id)
        if active.builtin or dense is None:
            return active.index, dense
        # An answer searches with the same question more than once (routed, then statement
        # pages): an endpoint is paid per call, so its question vectors are cached like ours.
        vectors = await self.models.query_vectors(active.spec).vectors([text])
        vector: list[float] = vectors[0].tolist()
        return active.index, vector

    async def search(self, tenant_id: str, text: str, *, mode: SearchMode, limit: int,
                     filters: SearchFilters | None = None, rerank: bool | None = None,
                     ) -> list[Passage]:
        passages, _ = await self._search(tenant_id, text, mode=mode, limit=limit,
                                         filters=filters or SearchFilters(), rerank=rerank,
                                         route=False)
        return passages

    async def _search(self, tenant_id: str, text: str, *, mode: SearchMode, limit: int,
                      filters: SearchFilters, rerank: bool | None, route: bool,
                      ) -> tuple[list[Passage], Routing]:
        text = text.strip()
        routing = Routing()
        if not text:
            return [], routing
        wanted = rerank if rerank is not None else (self.rerank_by_default
                                                    and mode is SearchMode.HYBRID)
        use_reranker = wanted and self.reranker is not None
        depth = max(limit, self.rerank_depth) if use_reranker else limit
        if route and self.section_weight > 0:
            depth = max(depth, self.section_pool)
        dense = await self._dense(text) if mode is not SearchMode.BM25 else None
        sparse = self.sparse.encode_query(text) if mode is not SearchMode.DENSE else None
        if route and self.router is not None:
            routing = await self.router.route(tenant_id, text, dense, sparse, filters)
        preferred = [p.document_id for p in routing.preferred]
        index, vector = await self._chunk_side(tenant_id, text, dense)

        def query(scope: SearchFilters) -> SearchQuery:
            return SearchQuery(tenant_id=tenant_id, dense=vector, sparse=sparse, mode=mode,
                               limit=depth, prefetch_limit=max(self.prefetch_limit, depth),
                               fusion=self.fusion, filters=scope)

        if routing.restricted:
            hits = await index.search(query(filters.model_copy(
                update={"document_ids": preferred})))
        elif preferred:
            boosted, everyone = await asyncio.gather(
                index.search(query(filters.model_copy(update={"document_ids": preferred}))),
                index.search(query(filters)))
            hits = fuse_ranks([(self.preferred_weight, boosted), (1.0, everyone)],
                              key=lambda hit: hit.chunk_id)[:depth]
        else:
            hits = await index.search(query(filters))
        passages = await self._passages(tenant_id, hits)
        if route:
            passages = by_section(text, passages, weight=self.section_weight)
        if use_reranker and self.reranker is not None and passages:
            head, tail = passages[:self.rerank_depth], passages[self.rerank_depth:]
            passages = [*await self.reranker.rerank(text, dense, head), *tail]
        return passages[:limit], routing

    async def list_documents(self, tenant_id: str, *, tags: list[str] | None = None,
                             name_contains: str | None = None, limit: int = 100,
                             ) -> list[Document]:
        """The tenant's searchable documents (status ``ready``), newest first, optionally only
        those carrying any of ``tags`` or whose name or title contains ``name_contains``."""
        wanted_tags = set(tags or [])
        needle = (name_contains or "").casefold()
        found: list[Document] = []
        cursor: str | None = None
        while len(found) < limit:
            page, cursor = await self.catalog.list_documents(
                tenant_id, status=DocumentStatus.READY, cursor=cursor, limit=100)
            found.extend(
                doc for doc in page
                if (not wanted_tags or wanted_tags & set(doc.metadata.tags))
                and (not needle or needle in doc.name.casefold()
                     or needle in (doc.metadata.title or "").casefold()))
            if cursor is None:
                break
        return found[:limit]

    async def rerank(self, text: str, passages: list[Passage], *, limit: int | None = None,
                     ) -> list[Passage]:
        """``passages`` re-ordered for ``text`` by their best-matching sentence."""
        text = text.strip()
        if self.reranker is None or not text or len(passages) < 2:
            return passages[:limit]
        return (await self.reranker.rerank(text, await self._dense(text), passages))[:limit]

    async def _passages(self, tenant_id: str, hits: list[SearchHit]) -> list[Passage]:
        names = {hit.document_id: hit.document_name for hit in hits}
        missing = [doc_id for doc_id, name in names.items() if not name]
        if missing:  # chunks indexed before names were stored in the payload
            found = await asyncio.gather(*(self.catalog.get_document(tenant_id, doc_id)
                                           for doc_id in missing))
            names.update({doc.id: doc.name for doc in found if doc is not None})
        return [
            Passage(chunk_id=hit.chunk_id, document_id=hit.document_id,
                    document_name=names.get(hit.document_id) or hit.document_id,
                    page_start=hit.page_start, page_end=hit.page_end, text=hit.text,
                    score=hit.score, spans=hit.spans, section=hit.section)
            for hit in hits
        ]
