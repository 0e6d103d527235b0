"""Scanned PDFs through the API: pages recognised by Tesseract are stored, searched, answered
from and cited like text pages, with their highlight on the page image; a page that takes too
long is given up with a warning; without OCR a scan fails with a reason that says what to do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pymupdf
import pytest

from agentflow.adapters.extract.tesseract import tesseract_available
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings
from tests.fakes.scans import char_match, image_only_pdf, text_layer
from tests.integration.helpers import parse_sse, upload, wait_terminal

QUESTION = "Why can a non-text-searchable PDF not be rendered as plain text?"


@pytest.fixture(autouse=True)
def tesseract() -> None:
    if not tesseract_available():
        pytest.fail("Tesseract is not installed: apt-get install tesseract-ocr (CI installs it)")


def squash(text: str) -> str:
    return " ".join(text.split())


async def serve(tmp_path: Path, embedder: Embedder, **ingest: object,
                ) -> AsyncIterator[httpx.AsyncClient]:
    container = build_container(make_settings(tmp_path / "data", **ingest), embedder=embedder)
    app = create_app(container=container)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test", timeout=120) as client:
        yield client


@pytest.fixture
async def client(tmp_path: Path, embedder: Embedder) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(tmp_path, embedder):
        yield client


async def test_a_scanned_page_is_answered_and_cited_with_its_line_highlighted(
        client: httpx.AsyncClient, real_dir: Path) -> None:
    scan = real_dir / "non_text_searchable.pdf"
    body = (await upload(client, scan)).json()["documents"][0]
    events = (await client.get(f"/v1/documents/{body['id']}/events")).text
    ready = await wait_terminal(client, body["id"])
    assert ready["status"] == "ready", ready
    assert "recognising text, page 1/1" in events
    page = (await client.get(f"/v1/documents/{body['id']}/pages/1")).json()
    assert page["ocr"] is True and 0.5 < page["ocr_confidence"] <= 1.0
    assert page["blocks"] and all(line["end"] > line["start"] for block in page["blocks"]
                                  for line in block["lines"])
    response = await client.post("/v1/queries", json={"question": QUESTION, "stream": True})
    done = parse_sse(response.text)[-1]
    assert done["event"] == "done", done
    assert "created from an image" in done["data"]["answer"], done["data"]["answer"]
    citation = next(c for c in done["data"]["citations"] if "image" in c["quote"])
    assert citation["document_id"] == body["id"] and citation["page"] == 1
    assert squash(citation["quote"]) in squash(page["text"])  # verified on the page ...
    assert citation["bboxes"]  # ... down to its lines' boxes
    image = await client.get(f"/v1/documents/{body['id']}/pages/1/image",
                             params={"highlight": citation["quote"]})
    plain = await client.get(f"/v1/documents/{body['id']}/pages/1/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content != plain.content  # the quoted line is highlighted


async def test_a_page_past_its_time_limit_is_given_up_and_the_rest_is_read(
        tmp_path: Path, embedder: Embedder, sec10q_dir: Path) -> None:
    source = sec10q_dir / "2022 Q3 AAPL.pdf"
    mixed = tmp_path / "mixed.pdf"
    scan = image_only_pdf(source, tmp_path / "scan.pdf", range(1, 2), dpi=150)
    with pymupdf.open(source) as original, pymupdf.open(scan) as scanned:
        document = pymupdf.open()
        document.insert_pdf(original, from_page=0, to_page=0)
        document.insert_pdf(scanned)
        document.save(mixed)
    async for client in serve(tmp_path, embedder, ocr_page_timeout_s=0.05):
        body = (await upload(client, mixed)).json()["documents"][0]
        ready = await wait_terminal(client, body["id"])
        assert ready["status"] == "ready", ready
        warnings = {(w["page"], w["code"]) for w in ready["warnings"]}
        assert (2, "ocr_failed") in warnings
        page = (await client.get(f"/v1/documents/{body['id']}/pages/2")).json()
        assert page["ocr"] is False and "longer than" in page["warnings"][0]["message"]


async def test_with_ocr_off_a_scan_fails_saying_how_to_read_it(
        tmp_path: Path, embedder: Embedder, real_dir: Path) -> None:
    async for client in serve(tmp_path, embedder, ocr="off"):
        body = (await upload(client, real_dir / "non_text_searchable.pdf")).json()["documents"][0]
        failed = await wait_terminal(client, body["id"])
        assert failed["status"] == "failed"
        assert "tesseract" in failed["error"]["message"].lower()
        assert "AGENTFLOW_INGEST__OCR" in failed["error"]["message"]


async def test_a_rendered_filing_page_reads_back_like_its_text_layer(
        client: httpx.AsyncClient, tmp_path: Path, sec10q_dir: Path) -> None:
    source = sec10q_dir / "2023 Q1 MSFT.pdf"
    scan = image_only_pdf(source, tmp_path / "msft-p3.pdf", range(2, 3))
    body = (await upload(client, scan)).json()["documents"][0]
    assert (await wait_terminal(client, body["id"]))["status"] == "ready"
    page = (await client.get(f"/v1/documents/{body['id']}/pages/1")).json()
    assert page["ocr"] is True
    assert char_match(text_layer(source, 3), page["text"]) >= 0.95
