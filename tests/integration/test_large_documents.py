"""A 10,000-page PDF: accepted at once, extracted range by range in worker processes while the
API stays responsive, and deletable mid-ingestion without leaving pages or vectors behind.
Documents that were ready stay ready and answer the same."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pymupdf
import pytest

from agentflow.runtime.container import Container
from tests.integration.helpers import parse_sse, upload, wait_terminal

PAGES = 10_000


@pytest.fixture(scope="module")
def ledger_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    document = pymupdf.open()
    for number in range(1, PAGES + 1):
        page = document.new_page(width=300, height=200)
        page.insert_text((20, 40), f"Ledger page {number}: entry {number * 7 % 1000} settled.")
    path = tmp_path_factory.mktemp("large") / "ledger.pdf"
    document.save(path, deflate=True)
    return path


async def test_ten_thousand_pages_keep_the_service_responsive_and_delete_cleanly(
        client: httpx.AsyncClient, container: Container, tiny_pdf: Path,
        ledger_pdf: Path) -> None:
    ready = (await upload(client, tiny_pdf)).json()["documents"][0]
    assert (await wait_terminal(client, ready["id"]))["status"] == "ready"
    question = {"question": "What does the text say about information?", "stream": True}
    before = parse_sse((await client.post("/v1/queries", json=question)).text)[-1]

    started = time.monotonic()
    accepted = await upload(client, ledger_pdf)
    assert accepted.status_code == 202, accepted.text
    assert time.monotonic() - started < 10
    big = accepted.json()["documents"][0]["id"]
    for _ in range(600):  # until extraction is visibly under way
        view = (await client.get(f"/v1/documents/{big}")).json()
        if view["pages"] == PAGES and view["progress"]["done"] > 0:
            break
        await asyncio.sleep(0.05)
    assert view["status"] == "processing" and view["pages"] == PAGES, view

    latencies = []
    for _ in range(5):  # the event loop is not busy with the PDF: workers are
        started = time.monotonic()
        assert (await client.get("/healthz")).status_code == 200
        latencies.append(time.monotonic() - started)
        await asyncio.sleep(0.05)
    assert max(latencies) < 1.0, latencies
    during = parse_sse((await client.post("/v1/queries", json=question)).text)[-1]
    assert during["data"]["answer"] == before["data"]["answer"]

    assert (await client.delete(f"/v1/documents/{big}")).status_code == 204
    assert (await client.get(f"/v1/documents/{big}")).status_code == 404
    # In-flight ranges finish, the workflow ends and sweeps whatever they wrote after the delete.
    await asyncio.wait_for(container.ingestion.wait_idle(), timeout=120)
    assert await container.catalog.get_document("default", big) is None
    assert await container.catalog.count_pages("default", big) == 0
    assert await container.index.count("default", big) == 0
    assert (await client.get(f"/v1/documents/{ready['id']}")).json()["status"] == "ready"
    after = parse_sse((await client.post("/v1/queries", json=question)).text)[-1]
    assert after["data"]["answer"] == before["data"]["answer"]
