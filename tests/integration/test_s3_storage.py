"""Originals in an S3-compatible store (SeaweedFS on loopback) through the HTTP API: uploads
stream to the bucket and are ingested from it, the file endpoint redirects to a short-lived
presigned URL after the tenant check, a rejected upload leaves nothing, delete removes the
object."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import BlobSettings
from tests.conftest import make_settings
from tests.integration.helpers import upload, wait_terminal
from tests.s3_server import s3_client


@pytest.fixture
async def s3_app(tmp_path: Path, embedder: Embedder, s3_endpoint: str,
                 ) -> AsyncIterator[tuple[httpx.AsyncClient, Any, str]]:
    bucket = "originals"
    prefix = f"api-{uuid.uuid4().hex[:10]}"
    settings = make_settings(tmp_path / "data", max_upload_bytes=2 * 1024 * 1024)
    settings.blob = BlobSettings(
        url=f"s3://{bucket}/{prefix}", endpoint_url=s3_endpoint, region="us-east-1",
        access_key_id=SecretStr("test-key"), secret_access_key=SecretStr("test-secret"))
    app = create_app(container=build_container(settings, embedder=embedder))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        yield client, s3_client(s3_endpoint), prefix


def objects(s3: Any, prefix: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket="originals", Prefix=f"{prefix}/")
    return sorted(o["Key"].removeprefix(f"{prefix}/") for o in listed.get("Contents", []))


async def test_originals_live_in_the_bucket_and_download_by_presigned_url(
        s3_app: tuple[httpx.AsyncClient, Any, str], small_pdf: Path) -> None:
    client, s3, prefix = s3_app
    body = (await upload(client, small_pdf)).json()["documents"][0]
    assert (await wait_terminal(client, body["id"]))["status"] == "ready"  # read from the store
    key, preview = objects(s3, prefix)  # the original and its first-page preview
    assert key.startswith("default/") and preview == f"{key}.thumbnail.png"
    thumbnail = await client.get(f"/v1/documents/{body['id']}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\x89PNG")
    redirect = await client.get(f"/v1/documents/{body['id']}/file")
    assert redirect.status_code == 307 and redirect.headers["cache-control"] == "no-store"
    link = redirect.headers["location"]
    assert "X-Amz-Signature=" in link and "X-Amz-Expires=300" in link
    async with httpx.AsyncClient() as plain:  # no credentials: the URL carries its own
        fetched = await plain.get(link)
    assert fetched.status_code == 200 and fetched.content == small_pdf.read_bytes()
    inline = await client.get(f"/v1/documents/{body['id']}/file", params={"inline": "true"})
    assert inline.status_code == 200 and inline.content == small_pdf.read_bytes()
    other = await client.get(f"/v1/documents/{body['id']}/file",
                             headers={"X-Tenant-ID": "someone-else"})
    assert other.status_code == 404  # the tenant check comes before any link
    assert (await client.delete(f"/v1/documents/{body['id']}")).status_code == 204
    assert objects(s3, prefix) == []


async def test_a_rejected_upload_leaves_nothing_in_the_bucket(
        s3_app: tuple[httpx.AsyncClient, Any, str], sec10q_dir: Path) -> None:
    client, s3, prefix = s3_app
    big = max(sec10q_dir.glob("*.pdf"), key=lambda p: p.stat().st_size)
    assert big.stat().st_size > 2 * 1024 * 1024
    response = await upload(client, big)
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert objects(s3, prefix) == []
    uploads = s3.list_multipart_uploads(Bucket="originals").get("Uploads") or []
    assert not [u for u in uploads if u["Key"].startswith(prefix)]


async def test_a_worker_on_another_node_reads_the_original_from_the_store(
        s3_app: tuple[httpx.AsyncClient, Any, str], small_pdf: Path, tmp_path: Path) -> None:
    from agentflow.ray_tasks.extract import ExtractPages, FetchedOriginals

    client, s3, prefix = s3_app
    body = (await upload(client, small_pdf)).json()["documents"][0]
    assert (await wait_terminal(client, body["id"]))["status"] == "ready"
    key, _ = objects(s3, prefix)
    link = s3.generate_presigned_url("get_object", ExpiresIn=60,
                                     Params={"Bucket": "originals", "Key": f"{prefix}/{key}"})
    stage = ExtractPages()
    stage._fetched = FetchedOriginals(folder=tmp_path / "worker")
    # The orchestrator's path does not exist on that node: the link is used instead.
    (lines,) = stage({"path": ["/nonexistent/node-a/copy.pdf"], "first": [1], "last": [2],
                      "document_id": [body["id"]], "url": [link]})["pages"]
    local = (await client.get(f"/v1/documents/{body['id']}/pages/1")).json()["text"]
    pages = [json.loads(line) for line in lines.splitlines()]
    assert [p["number"] for p in pages] == [1, 2] and pages[0]["text"] == local
    assert [p.name for p in (tmp_path / "worker").iterdir()] == [
        next((tmp_path / "worker").iterdir()).name]  # one cached copy, no partial left
