"""Size limits are enforced while streaming: the rest of the body is never read or stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings

BOUNDARY = "agentflowtestboundary"


async def test_an_oversized_file_is_refused_mid_stream(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path / "data", max_upload_bytes=1024 * 1024)
    app = create_app(container=build_container(settings, embedder=embedder))
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n")
        yield head.encode()
        for _ in range(200):  # 200 x 256 KiB = 50 MiB offered
            sent += 256 * 1024
            yield b"0" * (256 * 1024)
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post(
                "/v1/documents", content=body(),
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
            assert response.status_code == 413
            assert response.json()["code"] == "file_too_large"
            assert (await client.get("/v1/documents")).json()["documents"] == []
    assert sent <= 2 * 1024 * 1024  # it stopped reading right after the limit
    blobs = settings.data_dir / "blobs"
    assert [p for p in blobs.rglob("*") if p.is_file()] == []


async def test_too_many_files_in_one_request(tmp_path: Path, embedder: Embedder,
                                             tiny_pdf: Path) -> None:
    settings = make_settings(tmp_path / "data", max_files_per_request=2)
    app = create_app(container=build_container(settings, embedder=embedder))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            files = [("file", (f"{i}.pdf", tiny_pdf.read_bytes(), "application/pdf"))
                     for i in range(3)]
            response = await client.post("/v1/documents", files=files)
            assert response.status_code == 400 and "at most 2" in response.json()["detail"]
            assert (await client.get("/v1/documents")).json()["documents"] == []


async def test_a_non_multipart_body_is_a_bad_request(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/documents", content=b"%PDF-1.7",
                                 headers={"Content-Type": "application/pdf"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
