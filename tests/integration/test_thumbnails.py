"""Previews through the HTTP API: a small PNG of page 1, made once when the document is ready,
kept beside the original, made again on demand when missing, gone with the document."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pymupdf

from agentflow.ingestion.thumbnails import WIDTH_PX, thumbnail_key
from agentflow.runtime.container import Container
from tests.integration.helpers import upload, wait_terminal


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = pymupdf.Pixmap(io.BytesIO(data))
    return image.width, image.height


async def test_a_ready_document_has_a_small_first_page_preview(
        client: httpx.AsyncClient, container: Container, small_pdf: Path) -> None:
    (created,) = (await upload(client, small_pdf)).json()["documents"]
    assert (await wait_terminal(client, created["id"]))["status"] == "ready"
    document = await container.documents.get("default", created["id"])
    assert await container.blobs.exists(thumbnail_key(document))  # made at ingestion
    response = await client.get(f"/v1/documents/{created['id']}/thumbnail")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert "private" in response.headers["cache-control"]
    width, height = png_size(response.content)
    assert width == WIDTH_PX and WIDTH_PX < height <= WIDTH_PX * 1.5  # a portrait letter page
    assert len(response.content) < 80_000
    # The preview is of page 1: not blank (a text page has dark pixels on white).
    pixels = pymupdf.Pixmap(io.BytesIO(response.content)).samples
    assert min(pixels) < 100 and max(pixels) > 200

    # Another tenant does not see it; an unknown document is 404 too.
    other = await client.get(f"/v1/documents/{created['id']}/thumbnail",
                             headers={"X-Tenant-ID": "globex"})
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    assert (await client.get("/v1/documents/nope/thumbnail")).status_code == 404

    # A preview lost from the store is made again on the next request, and kept.
    await container.blobs.delete(thumbnail_key(document))
    again = await client.get(f"/v1/documents/{created['id']}/thumbnail")
    assert again.status_code == 200 and png_size(again.content) == (width, height)
    assert await container.blobs.exists(thumbnail_key(document))

    # Delete takes the preview with the original.
    assert (await client.delete(f"/v1/documents/{created['id']}")).status_code == 204
    assert not await container.blobs.exists(thumbnail_key(document))
    assert not await container.blobs.exists(document.blob_key)


async def test_no_preview_before_the_document_is_ready(
        client: httpx.AsyncClient, container: Container, small_pdf: Path) -> None:
    await container.ingestion.stop()  # the document stays pending
    (created,) = (await upload(client, small_pdf)).json()["documents"]
    response = await client.get(f"/v1/documents/{created['id']}/thumbnail")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert response.json()["document_status"] == "pending"
