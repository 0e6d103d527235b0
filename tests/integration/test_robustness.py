"""Every awkward PDF of ../shared/data/pdfs/robustness ends ready or failed with a reason."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import httpx
import pytest

from tests.integration.helpers import upload, wait_terminal

pytestmark = pytest.mark.slow
RECOGNISED = 21  # image-only files OCR makes ready (the others are pictures without writing)


async def test_the_whole_robustness_set(client: httpx.AsyncClient, robustness_dir: Path) -> None:
    with (robustness_dir / "manifest.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 73
    accepted: dict[str, tuple[Path, set[str]]] = {}
    for row in rows:
        path = robustness_dir / row["path"]
        categories = set(row["category"].split(";"))
        response = await upload(client, path)
        if "password_required" in categories:
            assert response.status_code == 422 and response.json()["code"] == "encrypted_pdf"
            continue
        assert response.status_code == 202, (row["path"], response.text)
        (created,) = response.json()["documents"]
        if created["duplicate_of"] is None:
            accepted[created["id"]] = (path, categories)

    loop = asyncio.get_running_loop()
    started = loop.time()
    recognised = 0
    outcomes = {doc_id: await wait_terminal(client, doc_id, timeout_s=600) for doc_id in accepted}
    assert loop.time() - started < 600

    for doc_id, body in outcomes.items():
        path, categories = accepted[doc_id]
        if body["status"] == "failed":
            assert body["error"]["code"] in {"unreadable_pdf", "no_text"}, (path, body["error"])
            assert body["error"]["message"] and body["error"]["stage"]
        unmapped = any(w["code"] == "unmapped_font" for w in body["warnings"])
        if "normal" in categories and not unmapped:
            assert body["status"] == "ready", (path, body["error"])
            assert body["chunks"] > 0
        if unmapped and body["status"] == "failed":
            assert "Unicode mapping" in body["error"]["message"]
        if "unopenable" in categories:
            assert body["status"] == "failed" and body["error"]["code"] == "unreadable_pdf"
        if "image_only_needs_ocr" in categories:  # read by OCR (Tesseract is installed)
            if body["status"] == "ready":
                assert body["chunks"] > 0
                page = (await client.get(f"/v1/documents/{doc_id}/pages/1")).json()
                assert page["ocr"] or any(w["code"] == "ocr_failed" for w in page["warnings"])
                recognised += 1
            else:  # an image with nothing legible on it
                assert body["error"]["code"] == "no_text" and body["error"]["message"], path
        elif "no_extractable_text" in categories and body["status"] == "failed":
            assert body["error"]["code"] == "no_text"
        kept = await client.get(f"/v1/documents/{doc_id}/file")
        assert kept.status_code == 200 and kept.content == path.read_bytes()  # nothing lost
    assert (await client.get("/healthz")).status_code == 200
    assert recognised >= RECOGNISED, recognised
    statuses = [body["status"] for body in outcomes.values()]
    assert statuses.count("ready") >= 55 and statuses.count("failed") >= 10
