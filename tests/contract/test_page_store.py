"""Pages, and the chunks a document's deletion takes along: the contract on both catalog
adapters (SQLite, Redis)."""

from __future__ import annotations

from agentflow.domain.documents import (
    Chunk,
    DocumentPage,
    PageJson,
    PageSpan,
    PageText,
    PageWarning,
    TextBlock,
    TextLine,
)
from agentflow.ports.catalog import Catalog
from tests.contract.records import doc


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


async def test_deleting_a_gone_document_sweeps_pages_written_since(catalog: Catalog) -> None:
    await catalog.add_document(doc("a", 1))
    await catalog.delete_document("a", "doc1")
    # In-flight extraction writes a page after the delete; deleting again sweeps it.
    page = DocumentPage(document_id="doc1", number=1, width=1, height=1, text="p1", blocks=[])
    await catalog.save_page_json("a", "doc1", [PageJson(number=1, body=page.model_dump_json())])
    await catalog.delete_document("a", "doc1")
    assert await catalog.get_page("a", "doc1", 1) is None
