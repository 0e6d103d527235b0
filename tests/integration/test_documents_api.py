"""The documents API on real PDFs, through HTTP, against the real embedded stack."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from agentflow.runtime.container import Container
from tests.integration.helpers import parse_sse, upload, wait_terminal


async def test_upload_becomes_ready_and_searchable(client: httpx.AsyncClient, small_pdf: Path,
                                                   container: Container) -> None:
    response = await upload(client, small_pdf, metadata={"title": "Apple Q3", "tags": ["10-Q"]})
    assert response.status_code == 202 and response.headers["x-trace-id"]
    (created,) = response.json()["documents"]
    assert created["sha256"] == hashlib.sha256(small_pdf.read_bytes()).hexdigest()
    assert created["size_bytes"] == small_pdf.stat().st_size and created["duplicate_of"] is None
    done = await wait_terminal(client, created["id"])
    assert done["status"] == "ready" and done["pages"] == 28 and done["chunks"] > 28
    assert done["progress"] == {"stage": "done", "done": done["chunks"], "total": done["chunks"]}
    said = {key: value for key, value in done["metadata"].items() if value is not None}
    assert said == {"title": "Apple Q3", "tags": ["10-Q"]} and done["error"] is None
    assert done["profile"]["title"] == "Apple Q3"  # the uploader's title wins
    assert done["profile"]["organisations"] == ["Apple Inc."]
    assert done["profile"]["kind"] == "quarterly_report"
    assert await container.index.count("default", created["id"]) == done["chunks"]


async def test_progress_events_stream_in_order_and_resume(client: httpx.AsyncClient,
                                                          tiny_pdf: Path) -> None:
    (created,) = (await upload(client, tiny_pdf)).json()["documents"]
    url = f"/v1/documents/{created['id']}/events"
    events = parse_sse((await client.get(url)).text)  # ends with the terminal event
    names = [e["event"] for e in events]
    assert names[-1] == "ready" and set(names[:-1]) == {"progress"}
    stages = [e["data"]["stage"] for e in events[:-1]]
    order = ["extracting", "chunking", "embedding"]
    assert [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s] == order
    assert [int(e["id"]) for e in events] == sorted(int(e["id"]) for e in events)
    last_progress = events[-2]["data"]
    assert last_progress["detail"] == f"embedding chunks {last_progress['done']}/" \
        f"{last_progress['total']}"
    resumed = parse_sse((await client.get(url, headers={"Last-Event-ID": events[2]["id"]})).text)
    assert [e["id"] for e in resumed] == [e["id"] for e in events[3:]]


async def test_duplicate_upload_returns_the_existing_document(client: httpx.AsyncClient,
                                                              tiny_pdf: Path) -> None:
    (first,) = (await upload(client, tiny_pdf)).json()["documents"]
    (second,) = (await upload(client, tiny_pdf)).json()["documents"]
    assert second["id"] == first["id"] and second["duplicate_of"] == first["id"]
    listed = (await client.get("/v1/documents")).json()["documents"]
    assert [d["id"] for d in listed] == [first["id"]]


async def test_several_files_in_one_request_and_paged_listing(client: httpx.AsyncClient,
                                                              robustness_dir: Path) -> None:
    paths = sorted((robustness_dir / "pypdf_sample_files").glob("00[124]-*.pdf"))
    response = await upload(client, *paths)
    created = response.json()["documents"]
    assert response.status_code == 202 and [d["name"] for d in created] == [p.name for p in paths]
    first = (await client.get("/v1/documents", params={"limit": 2})).json()
    second = (await client.get("/v1/documents",
                               params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert len(first["documents"]) == 2 and len(second["documents"]) == 1
    assert second["next_cursor"] is None
    ids = {d["id"] for d in first["documents"] + second["documents"]}
    assert ids == {d["id"] for d in created}
    for document in created:
        await wait_terminal(client, document["id"], timeout_s=300)
    ready = (await client.get("/v1/documents", params={"status": "ready"})).json()
    assert len(ready["documents"]) == 3


async def test_file_and_page_endpoints(client: httpx.AsyncClient, tiny_pdf: Path) -> None:
    (created,) = (await upload(client, tiny_pdf)).json()["documents"]
    await wait_terminal(client, created["id"])
    original = await client.get(f"/v1/documents/{created['id']}/file")
    assert original.headers["content-type"] == "application/pdf"
    assert original.content == tiny_pdf.read_bytes()
    page = (await client.get(f"/v1/documents/{created['id']}/pages/3")).json()
    assert page["number"] == 3 and "printed text" in page["text"]
    line = page["blocks"][0]["lines"][0]
    assert page["text"][line["start"]:line["end"]].strip() and len(line["bbox"]) == 4
    missing = await client.get(f"/v1/documents/{created['id']}/pages/99")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


async def test_delete_removes_file_record_and_vectors(client: httpx.AsyncClient, tiny_pdf: Path,
                                                      container: Container) -> None:
    (created,) = (await upload(client, tiny_pdf)).json()["documents"]
    await wait_terminal(client, created["id"])
    stored = await container.catalog.get_document("default", created["id"])
    assert stored is not None and await container.blobs.exists(stored.blob_key)
    assert (await client.delete(f"/v1/documents/{created['id']}")).status_code == 204
    assert (await client.get(f"/v1/documents/{created['id']}")).status_code == 404
    assert await container.index.count("default", created["id"]) == 0
    assert not await container.blobs.exists(stored.blob_key)
    assert await container.catalog.get_pages("default", created["id"]) == []
    again = await upload(client, tiny_pdf)  # no longer a duplicate of anything
    assert again.json()["documents"][0]["duplicate_of"] is None


async def test_a_failed_document_keeps_its_file_and_can_be_retried(
    client: httpx.AsyncClient, robustness_dir: Path, container: Container
) -> None:
    blank = robustness_dir / "ocrmypdf" / "blank.pdf"
    (created,) = (await upload(client, blank)).json()["documents"]
    failed = await wait_terminal(client, created["id"])
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "no_text" and failed["error"]["stage"] == "chunking"
    kept = await client.get(f"/v1/documents/{created['id']}/file")
    assert kept.content == blank.read_bytes()
    retried = await client.post(f"/v1/documents/{created['id']}/retry")
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    again = await wait_terminal(client, created["id"])
    assert again["status"] == "failed" and again["error"]["code"] == "no_text"
    events = parse_sse((await client.get(f"/v1/documents/{created['id']}/events")).text)
    assert events[-1]["event"] == "failed"


async def test_retrying_a_document_that_did_not_fail_is_a_conflict(client: httpx.AsyncClient,
                                                                   tiny_pdf: Path) -> None:
    (created,) = (await upload(client, tiny_pdf)).json()["documents"]
    await wait_terminal(client, created["id"])
    response = await client.post(f"/v1/documents/{created['id']}/retry")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


@pytest.mark.parametrize(("content", "status", "code"), [
    (b"hello, this is plain text and not a PDF at all", 415, "not_a_pdf"),
    (b"", 400, "empty_file"),
    (b"<html>" + b"x" * 5000, 415, "not_a_pdf"),
])
async def test_bad_files_get_problem_responses(client: httpx.AsyncClient, content: bytes,
                                               status: int, code: str) -> None:
    response = await client.post("/v1/documents",
                                 files={"file": ("x.pdf", content, "application/pdf")})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["type"].endswith(code)
    assert (await client.get("/v1/documents")).json()["documents"] == []


async def test_an_encrypted_pdf_is_refused_at_upload(client: httpx.AsyncClient,
                                                     robustness_dir: Path) -> None:
    locked = robustness_dir / "pypdf_sample_files" / (
        "005-libreoffice-writer-password__libreoffice-writer-password.pdf")
    response = await upload(client, locked)
    assert response.status_code == 422 and response.json()["code"] == "encrypted_pdf"


async def test_one_bad_file_rejects_the_whole_request(client: httpx.AsyncClient,
                                                      tiny_pdf: Path) -> None:
    files = [("file", ("good.pdf", tiny_pdf.read_bytes(), "application/pdf")),
             ("file", ("bad.pdf", b"not a pdf" * 200, "application/pdf"))]
    response = await client.post("/v1/documents", files=files)
    assert response.status_code == 415
    assert (await client.get("/v1/documents")).json()["documents"] == []


@pytest.mark.parametrize(("request_kwargs", "code"), [
    ({"data": {"metadata": "{not json"}}, "invalid_input"),
    ({"data": {"metadata": '{"tags": "not-a-list"}'}}, "invalid_input"),
    ({"data": {"other": "x"}}, "invalid_input"),
])
async def test_malformed_uploads_are_rejected(client: httpx.AsyncClient, small_pdf: Path,
                                              request_kwargs: dict[str, object], code: str) -> None:
    files = None if "other" in str(request_kwargs) else {
        "file": ("a.pdf", small_pdf.read_bytes(), "application/pdf")}
    response = await client.post("/v1/documents", files=files, **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 400 and response.json()["code"] == code


async def test_unknown_ids_and_bad_parameters(client: httpx.AsyncClient) -> None:
    for method, url in [("GET", "/v1/documents/nope"), ("GET", "/v1/documents/nope/file"),
                        ("GET", "/v1/documents/nope/events"), ("DELETE", "/v1/documents/nope"),
                        ("POST", "/v1/documents/nope/retry"),
                        ("GET", "/v1/documents/nope/pages/1")]:
        response = await client.request(method, url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    assert (await client.get("/v1/documents", params={"limit": 0})).json()["code"] == \
        "validation_error"
    assert (await client.get("/v1/documents", params={"cursor": "zzz"})).status_code == 400
    assert (await client.get("/v1/documents", params={"status": "bogus"})).status_code == 422


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready", "checks": {
        "catalog": "ok", "vector_index": "ok", "event_log": "ok"}}
    trace = "0af7651916cd43dd8448eb211c80319c"
    response = await client.get("/healthz",
                                headers={"traceparent": f"00-{trace}-b7ad6b7169203331-01"})
    assert response.headers["x-trace-id"] == trace


async def test_the_tenant_header_scopes_every_call_and_a_bad_one_is_refused(
        client: httpx.AsyncClient, tiny_pdf: Path) -> None:
    acme = {"X-Tenant-ID": "acme"}
    files = [("file", (tiny_pdf.name, tiny_pdf.read_bytes(), "application/pdf"))]
    document = (await client.post("/v1/documents", files=files, headers=acme)).json()
    document_id = document["documents"][0]["id"]
    assert (await client.get(f"/v1/documents/{document_id}", headers=acme)).status_code == 200
    for headers in ({"X-Tenant-ID": "globex"}, {}):  # another tenant, and ``default``
        assert (await client.get(f"/v1/documents/{document_id}", headers=headers)).status_code == 404
        assert (await client.get("/v1/documents", headers=headers)).json()["documents"] == []
    bad = await client.get("/v1/documents", headers={"X-Tenant-ID": "Not A Tenant!"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    assert bad.headers["content-type"].startswith("application/problem+json")
