"""Document records: the contract, run against both catalog adapters (SQLite, Redis)."""

from __future__ import annotations

import pytest

from agentflow.domain.documents import (
    DocumentStatus,
    IngestStage,
    Progress,
)
from agentflow.ports.document_records import DocumentRecords
from tests.contract.records import doc


async def test_documents_are_scoped_to_their_tenant(catalog: DocumentRecords) -> None:
    await catalog.add_document(doc("a", 1))
    assert (await catalog.get_document("a", "doc1")) is not None
    assert await catalog.get_document("b", "doc1") is None
    assert (await catalog.list_documents("b"))[0] == []


async def test_same_bytes_in_one_tenant_return_the_existing_document(catalog: DocumentRecords) -> None:
    first = await catalog.add_document(doc("a", 1, sha="same"))
    again = await catalog.add_document(doc("a", 2, sha="same"))
    other_tenant = await catalog.add_document(doc("b", 3, sha="same"))
    assert again.id == first.id == "doc1" and other_tenant.id == "doc3"
    assert (await catalog.find_by_sha256("a", "same")).id == "doc1"  # type: ignore[union-attr]


async def test_a_status_change_is_a_compare_and_set(catalog: DocumentRecords) -> None:
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


async def test_a_deleted_document_is_never_revived_by_a_status_change(catalog: DocumentRecords) -> None:
    document = await catalog.add_document(doc("a", 1))
    await catalog.delete_document("a", "doc1")
    ready = document.model_copy(update={"status": DocumentStatus.READY})
    assert not await catalog.save_document_if(ready, status=list(DocumentStatus))
    assert await catalog.get_document("a", "doc1") is None
    assert (await catalog.list_documents("a"))[0] == []
    assert (await catalog.footprint("a")).documents == 0


async def test_listing_pages_newest_first_with_a_cursor(catalog: DocumentRecords) -> None:
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


async def test_status_filter_and_unfinished_documents(catalog: DocumentRecords) -> None:
    for n, status in enumerate(DocumentStatus):
        item = doc("a", n)
        item.status = status
        await catalog.add_document(item)
    ready, _ = await catalog.list_documents("a", status=DocumentStatus.READY)
    assert [d.status for d in ready] == [DocumentStatus.READY]
    unfinished = {d.status for d in await catalog.unfinished_documents()}
    assert unfinished == {DocumentStatus.PENDING, DocumentStatus.PROCESSING}


async def test_save_and_progress_updates(catalog: DocumentRecords) -> None:
    item = await catalog.add_document(doc("a", 1))
    item.status, item.pages = DocumentStatus.PROCESSING, 9
    await catalog.save_document(item)
    await catalog.update_progress("a", "doc1", Progress(stage=IngestStage.EMBEDDING, done=3, total=9))
    stored = await catalog.get_document("a", "doc1")
    assert stored is not None and stored.pages == 9
    assert stored.progress == Progress(stage=IngestStage.EMBEDDING, done=3, total=9)


async def test_a_malformed_cursor_is_rejected(catalog: DocumentRecords) -> None:
    with pytest.raises(ValueError):
        await catalog.list_documents("a", cursor="not-a-cursor")
