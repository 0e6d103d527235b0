"""VectorIndex contract on the real Qdrant engine (Qdrant Edge), with real embeddings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agentflow.adapters.sparse.bm25 import Bm25Encoder
from agentflow.adapters.vector.qdrant_edge import QdrantEdgeIndex
from agentflow.domain.documents import PageSpan
from agentflow.domain.vectors import (
    Fusion,
    FusionMethod,
    IndexedChunk,
    SearchFilters,
    SearchMode,
    SearchQuery,
)
from agentflow.ingestion.chunker import chunk_id
from agentflow.ports.embedder import Embedder
from agentflow.ports.vector_index import VectorIndex

TEXTS = {
    "apples": "Apple reported iPhone revenue growth in the quarter driven by strong demand.",
    "rates": "The central bank raised interest rates to fight persistent inflation.",
    "rain": "Heavy rainfall caused flooding across the northern river valley.",
    "chips": "Semiconductor supply constraints limited graphics card shipments.",
}


@pytest.fixture(params=["qdrant-edge", "qdrant-client"])
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[VectorIndex]:
    if request.param == "qdrant-client":  # a Qdrant server's adapter, on the client's local mode
        from agentflow.adapters.vector.qdrant_server import QdrantServerIndex

        adapter: VectorIndex = QdrantServerIndex.connect(":memory:")
    else:
        adapter = QdrantEdgeIndex(tmp_path / "qdrant")
    yield adapter
    await adapter.close()


async def chunks(embedder: Embedder, tenant: str, document: str,
                 tags: list[str] | None = None) -> list[IndexedChunk]:
    texts = list(TEXTS.values())
    dense = await embedder.embed_documents(texts)
    sparse = Bm25Encoder().encode_documents(texts)
    return [IndexedChunk(chunk_id=chunk_id(f"{tenant}/{document}", i), tenant_id=tenant,
                         document_id=document, page_start=i + 1, page_end=i + 1, text=text,
                         tags=tags or [], dense=d, sparse=s)
            for i, (text, d, s) in enumerate(zip(texts, dense, sparse, strict=True))]


async def query(embedder: Embedder, tenant: str, text: str, mode: SearchMode,
                **filters: list[str]) -> SearchQuery:
    return SearchQuery(tenant_id=tenant, dense=await embedder.embed_query(text),
                       sparse=Bm25Encoder().encode_query(text), mode=mode, limit=3,
                       filters=SearchFilters(**filters))


@pytest.mark.parametrize("mode", list(SearchMode))
async def test_each_mode_finds_the_relevant_chunk(index: VectorIndex, embedder: Embedder,
                                                  mode: SearchMode) -> None:
    await index.upsert(await chunks(embedder, "a", "d1"))
    hits = await index.search(await query(embedder, "a", "interest rates inflation", mode))
    assert hits[0].text == TEXTS["rates"] and hits[0].page_start == 2


async def test_the_tenant_filter_is_applied_inside_the_adapter(index: VectorIndex,
                                                               embedder: Embedder) -> None:
    await index.upsert(await chunks(embedder, "a", "d1"))
    await index.upsert(await chunks(embedder, "b", "d2"))
    for mode in SearchMode:
        hits = await index.search(await query(embedder, "b", "iPhone revenue", mode))
        assert hits and {h.document_id for h in hits} == {"d2"}
    assert await index.search(await query(embedder, "c", "iPhone", SearchMode.HYBRID)) == []


async def test_document_and_tag_filters(index: VectorIndex, embedder: Embedder) -> None:
    await index.upsert(await chunks(embedder, "a", "d1", tags=["finance"]))
    await index.upsert(await chunks(embedder, "a", "d2", tags=["weather"]))
    by_doc = await index.search(await query(embedder, "a", "rain", SearchMode.HYBRID,
                                            document_ids=["d1"]))
    by_tag = await index.search(await query(embedder, "a", "rain", SearchMode.HYBRID,
                                            tags=["weather"]))
    assert {h.document_id for h in by_doc} == {"d1"} and {h.document_id for h in by_tag} == {"d2"}


async def test_upsert_is_idempotent_and_delete_removes_every_vector(index: VectorIndex,
                                                                    embedder: Embedder) -> None:
    items = await chunks(embedder, "a", "d1")
    await index.upsert(items)
    await index.upsert(items)
    await index.upsert(await chunks(embedder, "a", "d2"))
    assert await index.count("a", "d1") == 4 and await index.count("a") == 8
    await index.delete_document("b", "d1")  # another tenant cannot delete it
    assert await index.count("a", "d1") == 4
    await index.delete_document("a", "d1")
    assert await index.count("a", "d1") == 0 and await index.count("a") == 4


async def test_data_survives_reopening(tmp_path: Path, embedder: Embedder) -> None:
    first = QdrantEdgeIndex(tmp_path / "q")
    await first.upsert(await chunks(embedder, "a", "d1"))
    await first.close()
    again = QdrantEdgeIndex(tmp_path / "q")
    assert await again.count("a") == 4
    await again.close()


async def test_hnsw_optimisation_does_not_block_searches(tmp_path: Path,
                                                         embedder: Embedder) -> None:
    import numpy as np

    adapter = QdrantEdgeIndex(tmp_path / "q", optimize_every=4000)
    rng = np.random.default_rng(7)
    base = await chunks(embedder, "a", "seed")
    await adapter.upsert(base)
    vectors = rng.standard_normal((4000, 384)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    bulk = [IndexedChunk(chunk_id=chunk_id("bulk", i), tenant_id="a", document_id="bulk",
                         page_start=1, page_end=1, text="noise", dense=vectors[i].tolist(),
                         sparse=base[0].sparse) for i in range(4000)]
    for start in range(0, 4000, 1000):
        await adapter.upsert(bulk[start:start + 1000])  # the last batch starts the optimiser
    probe = await query(embedder, "a", "interest rates", SearchMode.HYBRID)
    loop = asyncio.get_running_loop()
    slowest = 0.0
    for _ in range(20):
        started = loop.time()
        await adapter.search(probe)
        slowest = max(slowest, loop.time() - started)
    assert slowest < 1.0
    adapter.wait_for_optimizer(120)
    assert (await adapter.search(probe))[0].text == TEXTS["rates"]
    await adapter.close()


async def test_hybrid_fuses_what_only_one_side_finds_and_weights_tilt_it(
        index: VectorIndex, embedder: Embedder) -> None:
    """A made-up code word only BM25 can match; a paraphrase only the dense side can."""
    texts = {"code": "Project XQ-7731 was approved by the board.",
             "meaning": "The monetary authority lifted borrowing costs to curb rising prices.",
             **TEXTS}
    dense = await embedder.embed_documents(list(texts.values()))
    sparse = Bm25Encoder().encode_documents(list(texts.values()))
    await index.upsert([IndexedChunk(chunk_id=chunk_id("h", i), tenant_id="a", document_id="h",
                                     document_name="h.pdf", page_start=1, page_end=1, text=t,
                                     spans=[PageSpan(page=1, start=0, end=len(t))],
                                     dense=d, sparse=s)
                        for i, (t, d, s) in enumerate(zip(texts.values(), dense, sparse,
                                                          strict=True))])
    text = "XQ-7731 monetary tightening to curb inflation"
    base = await query(embedder, "a", text, SearchMode.HYBRID)
    hits = await index.search(base.model_copy(update={"limit": 4}))
    found = {hit.text for hit in hits}
    assert texts["code"] in found and texts["meaning"] in found
    assert hits[0].document_name == "h.pdf" and hits[0].spans[0].page == 1
    dense_top = (await index.search(base.model_copy(update={"mode": SearchMode.DENSE})))[0]
    sparse_top = (await index.search(base.model_copy(update={"mode": SearchMode.BM25})))[0]
    assert dense_top.text != sparse_top.text  # the query pulls the two sides apart
    for weights, expected in (((0.05, 5.0), sparse_top), ((5.0, 0.05), dense_top)):
        fusion = Fusion(rrf_k=1, dense_weight=weights[0], sparse_weight=weights[1])
        tilted = await index.search(base.model_copy(update={"limit": 4, "fusion": fusion}))
        assert tilted[0].text == expected.text
    dbsf = await index.search(base.model_copy(update={
        "limit": 4, "fusion": Fusion(method=FusionMethod.DBSF)}))
    assert {hit.text for hit in dbsf} >= {texts["code"], texts["meaning"]}


async def test_drop_deletes_the_whole_index(tmp_path: Path, embedder: Embedder) -> None:
    from qdrant_client import AsyncQdrantClient

    from agentflow.adapters.vector.qdrant_server import QdrantServerIndex

    edge = QdrantEdgeIndex(tmp_path / "generation-1", dimension=384)
    await edge.upsert(await chunks(embedder, "a", "d1"))
    await edge.drop()
    assert not (tmp_path / "generation-1").exists()
    again = QdrantEdgeIndex(tmp_path / "generation-1", dimension=384)
    assert await again.count("a") == 0
    await again.close()

    local = tmp_path / "client"  # the server adapter on the client's local mode, on disk
    server = QdrantServerIndex(AsyncQdrantClient(path=str(local)), collection="generation-1",
                               payload_indexes=False)
    await server.upsert(await chunks(embedder, "a", "d1"))
    assert await server.count("a") == 4
    await server.drop()
    reopened = AsyncQdrantClient(path=str(local))
    assert not await reopened.collection_exists("generation-1")
    await reopened.close()
