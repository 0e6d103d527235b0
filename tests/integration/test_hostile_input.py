"""Hostile requests get clear 4xx problems, never a 500, and leave the service as it was:
oversized and deeply nested JSON, invalid UTF-8, traversal and control characters in file
names, malformed multipart; security headers everywhere; CORS closed unless configured."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from agentflow.gateway.app import create_app
from agentflow.gateway.guards import SECURITY_HEADERS, json_depth
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings
from tests.integration.helpers import upload, wait_terminal


@pytest.mark.parametrize(("body", "status", "code"), [
    (b'{"question": "' + b"x" * (1024 * 1024 + 10) + b'"}', 413, "payload_too_large"),
    (b'{"question": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, "invalid_input"),
    (b'{"question": "caf\xc3\x28 \xff\xfe"}', 400, "bad_request"),  # invalid UTF-8
    (b'{"question": ', 422, None),
    (b"\x00\x01\x02", 422, None),
])
async def test_hostile_json_is_refused_cleanly(client: httpx.AsyncClient, body: bytes,
                                               status: int, code: str | None) -> None:
    response = await client.post("/v1/queries", content=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    if code:
        assert response.json()["code"] == code


def test_json_depth_skips_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert json_depth(b'"\\"[["') == 0


async def test_file_names_cannot_traverse_or_carry_control_characters(
        client: httpx.AsyncClient, tiny_pdf: Path) -> None:
    data = tiny_pdf.read_bytes()
    names = ["../../etc/passwd.pdf", "..\\..\\windows\\evil.pdf", "a\x00b\x1b[31m\r\nc.pdf",
             "/" * 300, "ok.pdf"]
    for n, name in enumerate(names):
        response = await client.post("/v1/documents", files=[
            ("file", (name, data + b"%" * (n + 1), "application/pdf"))])
        assert response.status_code == 202, response.text
        stored = response.json()["documents"][0]
        assert "/" not in stored["name"] and "\\" not in stored["name"]
        assert stored["name"].isprintable() and len(stored["name"]) <= 255


@pytest.mark.parametrize("body", [
    b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF",
    b"--x--\r\n",
    b"garbage without boundaries",
])
async def test_malformed_multipart_is_a_bad_request(client: httpx.AsyncClient,
                                                    body: bytes) -> None:
    response = await client.post("/v1/documents", content=body,
                                 headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/healthz"), await client.get("/v1/documents/nope"),
                     await client.get("/v1/nothing-here")):
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
    closed = await client.options("/v1/documents", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in closed.headers


async def test_cors_opens_only_to_configured_origins(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path)
    settings.cors_origins = ["https://console.example"]
    app = create_app(container=build_container(settings, embedder=embedder))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        allowed = await client.options("/v1/documents", headers={
            "Origin": "https://console.example", "Access-Control-Request-Method": "POST"})
        refused = await client.options("/v1/documents", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert allowed.headers["access-control-allow-origin"] == "https://console.example"
    assert "access-control-allow-origin" not in refused.headers


async def test_ready_documents_survive_the_abuse(client: httpx.AsyncClient,
                                                 tiny_pdf: Path) -> None:
    document = (await upload(client, tiny_pdf)).json()["documents"][0]
    assert (await wait_terminal(client, document["id"]))["status"] == "ready"
    question = {"question": "What does the text say about information?", "stream": True}
    before = (await client.post("/v1/queries", json=question)).text
    await client.post("/v1/queries", content=b"[" * 50_000,
                      headers={"Content-Type": "application/json"})
    await client.post("/v1/documents", content=b"--x\r\n",
                      headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert (await client.get(f"/v1/documents/{document['id']}")).json()["status"] == "ready"
    after = (await client.post("/v1/queries", json=question)).text
    assert _answer(before) == _answer(after)


def _answer(sse: str) -> str:
    from tests.integration.helpers import parse_sse

    return str(parse_sse(sse)[-1]["data"]["answer"])


async def test_pdf_bombs_end_failed_with_a_reason_and_harm_nothing(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    """A page that inflates to 400 MiB takes longer than the per-range time limit (lowered here):
    its worker is killed, the document ends ``failed`` with the reason. A page tree claiming
    a million pages is refused at upload. Documents already ready stay ready."""
    from tests.fakes.hostile_pdfs import inflating_pdf, lying_page_count_pdf

    settings = make_settings(tmp_path, extract_timeout_s=0.5)
    app = create_app(container=build_container(settings, embedder=embedder))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        good = (await upload(client, tiny_pdf)).json()["documents"][0]
        assert (await wait_terminal(client, good["id"]))["status"] == "ready"
        bomb = await client.post("/v1/documents", files=[
            ("file", ("bomb.pdf", inflating_pdf(400), "application/pdf"))])
        assert bomb.status_code == 202, bomb.text
        failed = await wait_terminal(client, bomb.json()["documents"][0]["id"], timeout_s=90)
        assert failed["status"] == "failed"
        assert failed["error"]["code"] == "extraction_timeout"
        lying = await client.post("/v1/documents", files=[
            ("file", ("liar.pdf", lying_page_count_pdf(1_000_000), "application/pdf"))])
        assert lying.status_code == 422 or (lying.status_code == 202 and (await wait_terminal(
            client, lying.json()["documents"][0]["id"]))["status"] == "failed"), lying.text
        assert (await client.get(f"/v1/documents/{good['id']}")).json()["status"] == "ready"
        assert (await client.get("/readyz")).status_code == 200


def _allocate(size: int) -> int:
    return len(bytearray(size))


async def test_extraction_workers_have_bounded_memory() -> None:
    from agentflow.adapters.batch.process_pool import ProcessPoolBatchExecutor

    pool = ProcessPoolBatchExecutor(1, memory_limit_bytes=768 * 2**20)
    try:
        with pytest.raises(MemoryError):
            await pool.run(_allocate, 2 * 2**30)
        assert await pool.run(_allocate, 2**20) == 2**20  # the worker lives on
    finally:
        await pool.close()
