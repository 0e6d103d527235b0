"""Routing and boosting over both index adapters (Qdrant Edge, Qdrant server's client).

The same ``SearchService`` runs over each adapter pair (chunks and profiles): a question that
names one of several same-company filings is searched in that filing alone, a question naming
two periods boosts both, one naming none searches everything alike, and no tenant ever sees
another's profiles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentflow.adapters.catalog.sqlite import SqliteCatalog
from agentflow.adapters.sparse.bm25 import Bm25Encoder
from agentflow.adapters.vector.qdrant_edge import QdrantEdgeIndex
from agentflow.domain.documents import Document, DocumentStatus
from agentflow.domain.profiles import DocumentKind, DocumentProfile
from agentflow.domain.vectors import IndexedChunk, SearchFilters
from agentflow.ingestion.chunker import chunk_id
from agentflow.ports.embedder import Embedder
from agentflow.ports.vector_index import VectorIndex
from agentflow.retrieval.profile_index import ProfileIndex
from agentflow.retrieval.routing import DocumentRouter
from agentflow.retrieval.search import SearchService
from agentflow.retrieval.statements import Statement

NOW = datetime(2026, 1, 1, tzinfo=UTC)
# Three filings of one company and one of another, each saying the same kind of thing.
FILINGS = {
    "acme-2022": ("ACME_2022_10K.pdf", "Acme Widgets Inc.", 2022, None),
    "acme-2023": ("ACME_2023_10K.pdf", "Acme Widgets Inc.", 2023, None),
    "acme-2024q1": ("ACME_2024Q1_10Q.pdf", "Acme Widgets Inc.", 2024, 1),
    "globex-2023": ("GLOBEX_2023_10K.pdf", "Globex Corporation", 2023, None),
}
TEXT = "Inventories consisted of finished goods and raw materials at the end of the year."


def _index(kind: str, path: Path) -> VectorIndex:
    if kind == "qdrant-client":
        from agentflow.adapters.vector.qdrant_server import QdrantServerIndex

        return QdrantServerIndex.connect(":memory:")
    return QdrantEdgeIndex(path)


@pytest.fixture(params=["qdrant-edge", "qdrant-client"])
async def search(request: pytest.FixtureRequest, tmp_path: Path,
                 embedder: Embedder) -> AsyncIterator[SearchService]:
    chunks, profiles = _index(request.param, tmp_path / "c"), _index(request.param, tmp_path / "p")
    catalog = SqliteCatalog(tmp_path / "catalog.sqlite3")
    sparse = Bm25Encoder()
    profile_index = ProfileIndex(profiles, embedder, sparse)
    for tenant in ("t1", "t2"):
        for ident, (name, org, year, quarter) in FILINGS.items():
            if tenant == "t2" and not ident.startswith("globex"):
                continue
            kind = DocumentKind.QUARTERLY_REPORT if quarter else DocumentKind.ANNUAL_REPORT
            document = Document(
                id=f"{tenant}-{ident}", tenant_id=tenant, name=name, sha256=f"{tenant}{ident}",
                size_bytes=1, blob_key=ident, status=DocumentStatus.READY, created_at=NOW,
                updated_at=NOW, derived_profile=DocumentProfile(
                    organisations=[org], kind=kind, fiscal_year=year, fiscal_quarter=quarter))
            await catalog.add_document(document)
            await profile_index.put(document)
            texts = [f"{TEXT} ({name}, part {i})" for i in range(3)]
            dense = await embedder.embed_documents(texts)
            await chunks.upsert([
                IndexedChunk(chunk_id=chunk_id(document.id, i), tenant_id=tenant,
                             document_id=document.id, document_name=name, page_start=i + 1,
                             page_end=i + 1, text=text, dense=vector, sparse=terms)
                for i, (text, vector, terms) in enumerate(
                    zip(texts, dense, sparse.encode_documents(texts), strict=True))])
    # The 2023 filing's balance sheet: figures only, no word the questions below use.
    balance = "Total current assets 5,000 4,800\nProperty and equipment, net 2,000 1,900"
    (vector,) = await embedder.embed_documents([balance])
    (terms,) = sparse.encode_documents([balance])
    await chunks.upsert([IndexedChunk(
        chunk_id=chunk_id("t1-acme-2023", 9), tenant_id="t1", document_id="t1-acme-2023",
        document_name="ACME_2023_10K.pdf", page_start=40, page_end=40, text=balance,
        dense=vector, sparse=terms, section="Consolidated Balance Sheets")])
    service = SearchService(embedder=embedder, sparse=sparse, index=chunks, catalog=catalog,
                            router=DocumentRouter(profile_index))
    yield service
    await chunks.close()
    await profiles.close()
    await catalog.close()


async def test_a_question_naming_one_filing_searches_only_it(search: SearchService) -> None:
    passages, routing = await search.routed_search(
        "t1", "What were Acme Widgets' inventories in its FY2023 annual report?", limit=10)
    assert routing.restricted
    assert [p.document_id for p in routing.preferred] == ["t1-acme-2023"]
    assert {p.document_id for p in passages} == {"t1-acme-2023"}


async def test_the_statement_asked_for_is_among_the_passages(search: SearchService) -> None:
    question = "What were Acme Widgets' inventories in its FY2023 annual report?"
    plain, _ = await search.routed_search("t1", question, limit=3)
    assert all(p.page_start != 40 for p in plain)
    passages, routing = await search.routed_search("t1", question, limit=3,
                                                   statements=[Statement.BALANCE])
    assert routing.restricted and len(passages) == 3
    assert passages[0].page_start != 40  # the search's best stays first
    assert passages[-1].page_start == 40 and passages[-1].section == "Consolidated Balance Sheets"
    # A filing with no page of the statement asked for gets no stand-in.
    other, _ = await search.routed_search(
        "t1", "What were Globex's inventories in FY2023?", limit=3,
        statements=[Statement.BALANCE])
    assert all(p.document_id == "t1-globex-2023" and p.page_start != 40 for p in other)


async def test_a_question_naming_two_periods_boosts_both(search: SearchService) -> None:
    passages, routing = await search.routed_search(
        "t1", "How did Acme Widgets' inventories change between FY2023 and Q1 FY2024?", limit=12)
    assert not routing.restricted
    preferred = [p.document_id for p in routing.preferred]
    assert preferred[:2] == ["t1-acme-2024q1", "t1-acme-2023"]
    # Boosted, not restricted: the preferred filings' chunks lead, the others still follow.
    assert {p.document_id for p in passages[:6]} == {"t1-acme-2024q1", "t1-acme-2023"}
    assert len({p.document_id for p in passages}) > 2


async def test_a_question_naming_nothing_searches_everything_alike(
        search: SearchService) -> None:
    passages, routing = await search.routed_search("t1", "What are inventories made of?",
                                                   limit=12)
    assert routing.preferred == [] and not routing.restricted
    assert len({p.document_id for p in passages}) == 4


async def test_explicit_filters_win_over_routing(search: SearchService) -> None:
    passages, routing = await search.routed_search(
        "t1", "Acme Widgets inventories FY2023", limit=10,
        filters=SearchFilters(document_ids=["t1-globex-2023"]))
    assert routing.preferred == [] and "request" in routing.reason
    assert {p.document_id for p in passages} == {"t1-globex-2023"}


async def test_routing_never_crosses_tenants(search: SearchService) -> None:
    routing = await search.route("t2", "Acme Widgets inventories in FY2023")
    assert routing.preferred == []
    routing = await search.route("t2", "Globex inventories in FY2023")
    assert [p.document_id for p in routing.preferred] == ["t2-globex-2023"]


async def test_a_removed_profile_is_no_longer_routed_to(search: SearchService) -> None:
    assert search.router is not None
    await search.router.profiles.remove("t1", "t1-globex-2023")
    routing = await search.route("t1", "Globex inventories in FY2023")
    assert routing.preferred == []
