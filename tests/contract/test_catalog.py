"""Catalog contract, run against every adapter that can run here (SQLite, Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentflow.adapters.catalog.sqlite import SqliteCatalog
from agentflow.domain.documents import (
    Chunk,
    Document,
    DocumentPage,
    DocumentStatus,
    IngestStage,
    PageJson,
    PageSpan,
    PageText,
    PageWarning,
    Progress,
    TextBlock,
    TextLine,
)
from agentflow.domain.queries import QueryRecord, QueryStatus
from agentflow.domain.vectors import SearchFilters
from agentflow.ports.catalog import Catalog
from tests.conftest import redis_scope

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "redis"])
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Catalog]:
    if request.param == "redis":
        from agentflow.adapters.catalog.redis_catalog import RedisCatalog

        async with redis_scope() as (client, prefix):
            yield RedisCatalog(client, prefix=prefix)
        return
    adapter = SqliteCatalog(tmp_path / "catalog.sqlite3")
    yield adapter
    await adapter.close()


def doc(tenant: str, n: int, sha: str | None = None) -> Document:
    when = T0 + timedelta(minutes=n)
    return Document(id=f"doc{n}", tenant_id=tenant, name=f"{n}.pdf", sha256=sha or f"sha{n}",
                    size_bytes=n, blob_key=f"{tenant}/doc{n}.pdf", created_at=when, updated_at=when)


async def test_documents_are_scoped_to_their_tenant(catalog: Catalog) -> None:
    await catalog.add_document(doc("a", 1))
    assert (await catalog.get_document("a", "doc1")) is not None
    assert await catalog.get_document("b", "doc1") is None
    assert (await catalog.list_documents("b"))[0] == []


async def test_same_bytes_in_one_tenant_return_the_existing_document(catalog: Catalog) -> None:
    first = await catalog.add_document(doc("a", 1, sha="same"))
    again = await catalog.add_document(doc("a", 2, sha="same"))
    other_tenant = await catalog.add_document(doc("b", 3, sha="same"))
    assert again.id == first.id == "doc1" and other_tenant.id == "doc3"
    assert (await catalog.find_by_sha256("a", "same")).id == "doc1"  # type: ignore[union-attr]


async def test_a_status_change_is_a_compare_and_set(catalog: Catalog) -> None:
    document = await catalog.add_document(doc("a", 1))
    ready = document.model_copy(update={"status": DocumentStatus.READY, "chunks": 3})
    # The stored status is pending: a change expecting it to be processing is refused.
    assert not await catalog.save_document_if(ready, status=[DocumentStatus.PROCESSING])
    pending = await catalog.get_document("a", "doc1")
    assert pending is not None and pending.status is DocumentStatus.PENDING
    assert await catalog.save_document_if(
        ready, status=[DocumentStatus.PENDING, DocumentStatus.PROCESSING])
    stored = await catalog.get_document("a", "doc1")
    assert stored is not None and stored.status is DocumentStatus.READY and stored.chunks == 3
    assert [d.id for d in (await catalog.list_documents(
        "a", status=DocumentStatus.READY))[0]] == ["doc1"]
    assert (await catalog.list_documents("a", status=DocumentStatus.PENDING))[0] == []
    # Another tenant's document of the same id is not touched.
    assert not await catalog.save_document_if(
        ready.model_copy(update={"tenant_id": "b"}), status=list(DocumentStatus))


async def test_a_deleted_document_is_never_revived_by_a_status_change(catalog: Catalog) -> None:
    document = await catalog.add_document(doc("a", 1))
    await catalog.delete_document("a", "doc1")
    ready = document.model_copy(update={"status": DocumentStatus.READY})
    assert not await catalog.save_document_if(ready, status=list(DocumentStatus))
    assert await catalog.get_document("a", "doc1") is None
    assert (await catalog.list_documents("a"))[0] == []
    assert (await catalog.footprint("a")).documents == 0


async def test_deleting_a_gone_document_sweeps_pages_written_since(catalog: Catalog) -> None:
    await catalog.add_document(doc("a", 1))
    await catalog.delete_document("a", "doc1")
    # In-flight extraction writes a page after the delete; deleting again sweeps it.
    page = DocumentPage(document_id="doc1", number=1, width=1, height=1, text="p1", blocks=[])
    await catalog.save_page_json("a", "doc1", [PageJson(number=1, body=page.model_dump_json())])
    await catalog.delete_document("a", "doc1")
    assert await catalog.get_page("a", "doc1", 1) is None


async def test_listing_pages_newest_first_with_a_cursor(catalog: Catalog) -> None:
    for n in range(7):
        await catalog.add_document(doc("a", n))
    seen: list[str] = []
    cursor = None
    while True:
        page, cursor = await catalog.list_documents("a", cursor=cursor, limit=3)
        seen += [d.id for d in page]
        if cursor is None:
            break
    assert seen == [f"doc{n}" for n in reversed(range(7))]


async def test_status_filter_and_unfinished_documents(catalog: Catalog) -> None:
    for n, status in enumerate(DocumentStatus):
        item = doc("a", n)
        item.status = status
        await catalog.add_document(item)
    ready, _ = await catalog.list_documents("a", status=DocumentStatus.READY)
    assert [d.status for d in ready] == [DocumentStatus.READY]
    unfinished = {d.status for d in await catalog.unfinished_documents()}
    assert unfinished == {DocumentStatus.PENDING, DocumentStatus.PROCESSING}


async def test_save_and_progress_updates(catalog: Catalog) -> None:
    item = await catalog.add_document(doc("a", 1))
    item.status, item.pages = DocumentStatus.PROCESSING, 9
    await catalog.save_document(item)
    await catalog.update_progress("a", "doc1", Progress(stage=IngestStage.EMBEDDING, done=3, total=9))
    stored = await catalog.get_document("a", "doc1")
    assert stored is not None and stored.pages == 9
    assert stored.progress == Progress(stage=IngestStage.EMBEDDING, done=3, total=9)


async def test_pages_and_chunks_round_trip_and_delete_cascades(catalog: Catalog) -> None:
    await catalog.add_document(doc("a", 1))
    pages = [DocumentPage(document_id="doc1", number=n, width=1, height=1, text=f"p{n}",
                          blocks=[]) for n in (1, 2, 3)]
    await catalog.save_pages("a", pages)
    assert await catalog.count_pages("a", "doc1") == 3
    assert (await catalog.get_page("a", "doc1", 2)).text == "p2"  # type: ignore[union-attr]
    assert await catalog.get_page("b", "doc1", 2) is None
    chunks = [Chunk(id=f"c{i}", document_id="doc1", tenant_id="a", ordinal=i, text=f"t{i}",
                    token_count=1, page_start=1, page_end=1,
                    spans=[PageSpan(page=1, start=0, end=2)]) for i in range(5)]
    await catalog.replace_chunks("a", "doc1", chunks)
    await catalog.replace_chunks("a", "doc1", chunks[:4])
    assert [c.id for c in await catalog.get_chunks("a", "doc1", start=1, stop=3)] == ["c1", "c2"]
    assert len(await catalog.get_chunks("a", "doc1")) == 4
    await catalog.delete_document("a", "doc1")
    assert await catalog.get_document("a", "doc1") is None
    assert await catalog.get_pages("a", "doc1") == [] and await catalog.get_chunks("a", "doc1") == []


async def test_pages_stored_as_extractor_json_read_back_as_pages_and_as_texts(
        catalog: Catalog) -> None:
    await catalog.add_document(doc("a", 1))
    warning = PageWarning(page=2, code="no_text_layer", message="scanned")
    pages = [DocumentPage(document_id="doc1", number=n, width=612, height=792,
                          text=f"page \u201c{n}\u201d\nline", warnings=[warning] if n == 2 else [],
                          blocks=[TextBlock(bbox=(1, 2, 3, 4), lines=[
                              TextLine(bbox=(1, 2, 3, 4), start=0, end=4)])])
             for n in (3, 1, 2)]
    await catalog.save_page_json("a", "doc1", [PageJson(number=p.number, body=p.model_dump_json())
                                               for p in pages])
    assert await catalog.count_pages("a", "doc1") == 3
    assert await catalog.get_page("a", "doc1", 2) == pages[2]
    assert await catalog.get_pages("a", "doc1") == sorted(pages, key=lambda p: p.number)
    assert await catalog.get_page_texts("a", "doc1") == [
        PageText(number=n, text=f"page \u201c{n}\u201d\nline", warnings=[warning] if n == 2 else [])
        for n in (1, 2, 3)]
    assert await catalog.get_page_texts("b", "doc1") == []
    await catalog.delete_document("a", "doc1")
    assert await catalog.get_page_texts("a", "doc1") == []


async def test_a_malformed_cursor_is_rejected(catalog: Catalog) -> None:
    with pytest.raises(ValueError):
        await catalog.list_documents("a", cursor="not-a-cursor")


def query(tenant: str, n: int, conversation: str, status: str = "running") -> QueryRecord:
    when = T0 + timedelta(minutes=n)
    return QueryRecord(id=f"q{n}", tenant_id=tenant, conversation_id=conversation,
                       question=f"question {n}?", top_k=5, filters=SearchFilters(),
                       status=QueryStatus(status), created_at=when, updated_at=when)


async def test_queries_and_conversations_are_scoped_and_ordered(catalog: Catalog) -> None:
    await catalog.save_query(query("a", 2, "c1", "completed"))
    await catalog.save_query(query("a", 1, "c1", "completed"))
    await catalog.save_query(query("a", 3, "c2"))
    await catalog.save_query(query("b", 4, "c1"))
    assert [q.id for q in await catalog.conversation("a", "c1")] == ["q1", "q2"]
    assert await catalog.get_query("b", "q1") is None
    assert (await catalog.get_query("a", "q3")) == query("a", 3, "c2")
    assert {q.id for q in await catalog.unfinished_queries()} == {"q3", "q4"}
    done = query("a", 3, "c2", "completed")
    await catalog.save_query(done)
    assert {q.id for q in await catalog.unfinished_queries()} == {"q4"}
    assert await catalog.conversation("a", "nope") == []


async def test_a_chunk_is_found_by_id_within_its_document(catalog: Catalog) -> None:
    await catalog.add_document(doc("a", 1))
    chunk = Chunk(id="11111111-2222-4333-8444-555555555555", document_id="doc1", tenant_id="a",
                  ordinal=0, text="hello world", token_count=2, page_start=1, page_end=1,
                  spans=[PageSpan(page=1, start=0, end=11)])
    await catalog.replace_chunks("a", "doc1", [chunk])
    assert await catalog.find_chunk("a", "doc1", chunk.id) == chunk
    assert await catalog.find_chunk("b", "doc1", chunk.id) is None
    assert await catalog.find_chunk("a", "doc1", "00000000-0000-4000-8000-000000000000") is None


async def test_usage_is_recorded_per_query_and_summed_per_tenant_agent_and_model(
        catalog: Catalog) -> None:
    from agentflow.domain.queries import AgentUsage

    def used(model: str, tokens: int, cost: float) -> AgentUsage:
        return AgentUsage(model=model, input_tokens=tokens, output_tokens=tokens // 2,
                          cost_usd=cost)

    await catalog.record_usage("a", "q1", {"synthesis": used("m", 100, 0.01),
                                           "citation": used("m", 10, 0.001)}, at=T0)
    await catalog.record_usage("a", "q2", {"synthesis": used("m", 300, 0.03)},
                               at=T0 + timedelta(hours=1))
    await catalog.record_usage("a", "q2", {"synthesis": used("m", 300, 0.03)},
                               at=T0 + timedelta(hours=1))  # recorded again: not counted twice
    await catalog.record_usage("b", "q3", {"synthesis": used("other", 50, 0.0)}, at=T0)
    totals = await catalog.usage_totals("a")
    assert [(t.agent, t.model, t.queries, t.input_tokens, t.output_tokens) for t in totals] == [
        ("citation", "m", 1, 10, 5), ("synthesis", "m", 2, 400, 200)]
    assert totals[1].cost_usd == pytest.approx(0.04)
    assert {t.tenant_id for t in await catalog.usage_totals()} == {"a", "b"}
    window = await catalog.usage_totals("a", since=T0 + timedelta(minutes=30),
                                        until=T0 + timedelta(hours=2))
    assert [(t.agent, t.queries) for t in window] == [("synthesis", 1)]


async def test_the_footprint_counts_documents_and_bytes_per_tenant(catalog: Catalog) -> None:
    for n in range(3):
        await catalog.add_document(doc("acme", n).model_copy(update={"size_bytes": 1000 + n}))
    await catalog.add_document(doc("acme", 0))  # a duplicate counts once
    await catalog.add_document(doc("beta", 9).model_copy(update={"size_bytes": 5}))
    assert (await catalog.footprint("acme")).model_dump() == {
        "documents": 3, "bytes": 3003, "by_status": {DocumentStatus.PENDING: 3}}
    ready = doc("acme", 2).model_copy(update={"size_bytes": 1002, "status": DocumentStatus.READY})
    await catalog.save_document(ready)
    await catalog.delete_document("acme", doc("acme", 1).id)
    assert (await catalog.footprint("acme")).model_dump() == {
        "documents": 2, "bytes": 2002,
        "by_status": {DocumentStatus.PENDING: 1, DocumentStatus.READY: 1}}
    assert (await catalog.footprint("beta")).bytes == 5
    assert (await catalog.footprint("gamma")).model_dump() == {
        "documents": 0, "bytes": 0, "by_status": {}}
    every = await catalog.footprints(["acme", "beta", "gamma", "acme"])
    assert list(every) == ["acme", "beta", "gamma"]
    assert {t: f.model_dump() for t, f in every.items()} == {
        t: (await catalog.footprint(t)).model_dump() for t in ("acme", "beta", "gamma")}
