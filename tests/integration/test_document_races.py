"""Races on one document through the API: delete against a finishing ingestion, retry against
delete, retry against retry. Every run ends in one consistent outcome, nothing orphaned: no
record, pages, vectors, profile point, file or event stream of a deleted document."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path

import httpx

from agentflow.domain.jobs import document_stream
from agentflow.runtime.container import Container
from tests.integration.helpers import upload, wait_terminal

TENANT = "default"


async def _nothing_left(container: Container, document_id: str, blob_key: str) -> None:
    await container.ingestion.wait_idle()
    assert await container.catalog.get_document(TENANT, document_id) is None
    assert await container.catalog.get_pages(TENANT, document_id) == []
    assert await container.index.count(TENANT, document_id) == 0
    assert await container.profiles.index.count(TENANT, document_id) == 0
    assert not await container.blobs.exists(blob_key)
    assert await container.events.last(document_stream(TENANT, document_id)) is None


async def _later(delay: float, request: Awaitable[httpx.Response]) -> httpx.Response:
    await asyncio.sleep(delay)
    return await request


async def test_a_document_deleted_at_any_stage_of_its_ingestion_leaves_nothing(
        client: httpx.AsyncClient, container: Container, tiny_pdf: Path) -> None:
    # From before extraction starts to after it is ready: the delete lands at every stage.
    for delay in (0.0, 0.05, 0.2, 0.5, 1.0, 2.0, 4.0):
        (created,) = (await upload(client, tiny_pdf)).json()["documents"]
        stored = await container.catalog.get_document(TENANT, created["id"])
        assert stored is not None
        await asyncio.sleep(delay)
        deleted = await client.delete(f"/v1/documents/{created['id']}")
        assert deleted.status_code == 204, (delay, deleted.text)
        await _nothing_left(container, created["id"], stored.blob_key)
        assert (await client.get(f"/v1/documents/{created['id']}")).status_code == 404


async def test_retry_against_delete_ends_deleted_and_clean(
        client: httpx.AsyncClient, container: Container, robustness_dir: Path) -> None:
    blank = robustness_dir / "ocrmypdf" / "blank.pdf"  # fails: no text
    for stagger in (0.0, 0.01, 0.05):
        (created,) = (await upload(client, blank)).json()["documents"]
        assert (await wait_terminal(client, created["id"]))["status"] == "failed"
        stored = await container.catalog.get_document(TENANT, created["id"])
        assert stored is not None

        retried, deleted = await asyncio.gather(
            client.post(f"/v1/documents/{created['id']}/retry"),
            _later(stagger, client.delete(f"/v1/documents/{created['id']}")))
        assert deleted.status_code == 204
        # The retry either won (accepted, then its ingestion found the document gone) or
        # lost (the document was gone, or changed, when it looked).
        assert retried.status_code in (202, 404, 409), retried.text
        await _nothing_left(container, created["id"], stored.blob_key)


async def test_two_retries_at_once_start_one_ingestion(
        client: httpx.AsyncClient, container: Container, robustness_dir: Path) -> None:
    blank = robustness_dir / "ocrmypdf" / "blank.pdf"
    (created,) = (await upload(client, blank)).json()["documents"]
    assert (await wait_terminal(client, created["id"]))["status"] == "failed"
    first, second = await asyncio.gather(
        client.post(f"/v1/documents/{created['id']}/retry"),
        client.post(f"/v1/documents/{created['id']}/retry"))
    assert sorted([first.status_code, second.status_code]) == [202, 409]
    refused = first if first.status_code == 409 else second
    assert refused.json()["code"] == "conflict"
    final = await wait_terminal(client, created["id"])
    stored = await container.catalog.get_document(TENANT, created["id"])
    assert final["status"] == "failed" and stored is not None and stored.attempts == 1  # one retry
