"""BlobStore contract: local files and a real S3 server (SeaweedFS on loopback)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from agentflow.adapters.blob.local_files import LocalBlobStore
from agentflow.domain.errors import NotFound, StoreUnavailable
from agentflow.ports.blob_store import BlobStore

Leftovers = Callable[[], list[str]]  # what a store holds besides its committed blobs


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[
        tuple[BlobStore, Leftovers]]:
    if request.param == "local":
        local = LocalBlobStore(tmp_path / "blobs")
        await local.start()
        yield local, lambda: [p.name for p in (tmp_path / "blobs" / ".staging").iterdir()]
        return
    from agentflow.adapters.blob.s3_store import MIN_PART, S3BlobStore
    from tests.s3_server import s3_client

    client = s3_client(request.getfixturevalue("s3_endpoint"))
    bucket, prefix = "contract", f"run-{uuid.uuid4().hex[:12]}"  # SeaweedFS: few buckets
    s3 = S3BlobStore(client, bucket, prefix=prefix, cache_dir=tmp_path / "cache",
                     part_size=MIN_PART)
    await s3.start()  # the first test's start creates the bucket

    def leftovers() -> list[str]:
        staged = client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/.staging/")
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads") or []
        return [o["Key"] for o in staged.get("Contents", [])] + [
            u["Key"] for u in uploads if u["Key"].startswith(prefix)]

    yield s3, leftovers


@pytest.fixture
def blobs(store: tuple[BlobStore, Leftovers]) -> BlobStore:
    return store[0]


async def test_nothing_is_visible_before_commit(blobs: BlobStore) -> None:
    writer = await blobs.writer()
    await writer.write(b"%PDF-1.7 hello")
    assert not await blobs.exists("t/a.pdf")
    await writer.commit("t/a.pdf")
    assert await blobs.exists("t/a.pdf") and await blobs.size("t/a.pdf") == 14
    assert b"".join([part async for part in blobs.read("t/a.pdf", chunk_size=4)]) == b"%PDF-1.7 hello"
    async with blobs.local_path("t/a.pdf") as path:
        assert path.read_bytes() == b"%PDF-1.7 hello"


async def test_a_large_upload_streams_in_parts_and_reads_back_whole(
        store: tuple[BlobStore, Leftovers]) -> None:
    blobs, leftovers = store
    body = bytes(range(256)) * (48 * 1024)  # 12 MiB: three parts of an S3 store's 5 MiB
    writer = await blobs.writer()
    for start in range(0, len(body), 1 << 20):
        await writer.write(body[start:start + (1 << 20)])
    await writer.commit("t/big.pdf")
    assert await blobs.size("t/big.pdf") == len(body)
    assert b"".join([part async for part in blobs.read("t/big.pdf")]) == body
    async with blobs.local_path("t/big.pdf") as first, blobs.local_path("t/big.pdf") as again:
        assert first.read_bytes() == body and again == first  # one local copy, reused
    assert leftovers() == []  # the staging object went once committed


async def test_abort_leaves_nothing_and_delete_is_idempotent(
        store: tuple[BlobStore, Leftovers]) -> None:
    blobs, leftovers = store
    writer = await blobs.writer()
    await writer.write(b"x" * (6 * 1024 * 1024))  # past one part: an S3 upload has begun
    await writer.abort()
    assert leftovers() == []
    assert not await blobs.exists("t/never.pdf")
    await blobs.delete("t/missing.pdf")
    with pytest.raises(NotFound):
        await blobs.size("t/missing.pdf")
    with pytest.raises(NotFound):
        [part async for part in blobs.read("t/missing.pdf")]
    with pytest.raises(NotFound):
        await blobs.link("t/missing.pdf", filename="x.pdf")


async def test_a_replaced_blob_is_read_afresh_and_a_deleted_one_is_gone(blobs: BlobStore) -> None:
    for content in (b"first version", b"second, longer version"):
        writer = await blobs.writer()
        await writer.write(content)
        await writer.commit("t/same.pdf")
        async with blobs.local_path("t/same.pdf") as path:
            assert path.read_bytes() == content
    await blobs.delete("t/same.pdf")
    assert not await blobs.exists("t/same.pdf")


async def test_links_download_straight_from_the_store_where_it_gives_them(
        blobs: BlobStore) -> None:
    writer = await blobs.writer()
    await writer.write(b"%PDF-1.7 linked")
    await writer.commit("t/linked.pdf")
    link = await blobs.link("t/linked.pdf", filename='Q3 "report" \u2013 Z\u00fcrich.pdf')
    if isinstance(blobs, LocalBlobStore):
        assert link is None  # streamed by the API instead
        return
    assert link is not None and link.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient() as http:
        response = await http.get(link)
    assert response.status_code == 200 and response.content == b"%PDF-1.7 linked"
    # An ASCII name for every client; the real one, encoded, for those that read it.
    assert response.headers["content-disposition"] == (
        'attachment; filename="Q3 report _ Z_rich.pdf"; '
        "filename*=UTF-8''Q3%20%22report%22%20%E2%80%93%20Z%C3%BCrich.pdf")


@pytest.mark.parametrize("key", ["../escape.pdf", "/abs.pdf", "a//b.pdf", ""])
async def test_keys_cannot_escape_the_store(blobs: BlobStore, key: str) -> None:
    writer = await blobs.writer()
    await writer.write(b"x")
    with pytest.raises(ValueError):
        await writer.commit(key)
    await writer.abort()


async def test_an_unreachable_s3_store_is_unavailable(tmp_path: Path) -> None:
    import boto3
    from botocore.config import Config

    from agentflow.adapters.blob.s3_store import S3BlobStore
    from tests.server import free_port

    client = boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{free_port()}", region_name="us-east-1",
        aws_access_key_id="k", aws_secret_access_key="s",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    s3 = S3BlobStore(client, "nowhere", cache_dir=tmp_path / "cache")
    for attempt in (s3.start(), s3.size("t/a.pdf"), s3.delete("t/a.pdf")):
        with pytest.raises(StoreUnavailable) as caught:
            await attempt
        assert caught.value.fields["store"] == "s3"
    with pytest.raises(StoreUnavailable):
        [part async for part in s3.read("t/a.pdf")]
    writer = await s3.writer()
    await writer.write(b"%PDF-1.7")
    with pytest.raises(StoreUnavailable):
        await writer.commit("t/a.pdf")


def _connection_lost() -> Exception:
    from botocore.exceptions import EndpointConnectionError

    lost: Exception = EndpointConnectionError(endpoint_url="http://127.0.0.1")
    return lost


def _retries_exceeded() -> Exception:  # what boto3's transfer raises for a broken stream
    from boto3.exceptions import RetriesExceededError

    exceeded: Exception = RetriesExceededError(_connection_lost())
    return exceeded


@pytest.mark.parametrize("store", ["s3"], indirect=True)  # the one that downloads to a cache
@pytest.mark.parametrize("failure", [_connection_lost, _retries_exceeded])
async def test_a_download_broken_off_leaves_no_partial_file(
        store: tuple[BlobStore, Leftovers], tmp_path: Path,
        failure: Callable[[], Exception]) -> None:
    from agentflow.adapters.blob.s3_store import S3BlobStore

    blobs, _ = store
    assert isinstance(blobs, S3BlobStore)
    writer = await blobs.writer()
    await writer.write(b"%PDF-1.7 whole")
    await writer.commit("t/broken.pdf")
    real = blobs.client

    class BreaksMidway:  # the real client, whose downloads lose the connection half-way
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def download_file(self, Bucket: str, Key: str, Filename: str) -> None:
            Path(Filename).write_bytes(b"%PDF-1.7 wh")
            raise failure()

    blobs.client = BreaksMidway()
    with pytest.raises(StoreUnavailable):
        async with blobs.local_path("t/broken.pdf"):
            pass
    assert list((tmp_path / "cache").iterdir()) == []
    blobs.client = real
    async with blobs.local_path("t/broken.pdf") as path:
        assert path.read_bytes() == b"%PDF-1.7 whole"


@pytest.mark.parametrize("store", ["s3"], indirect=True)
async def test_a_local_copy_being_read_is_never_evicted(
        store: tuple[BlobStore, Leftovers]) -> None:
    from agentflow.adapters.blob.s3_store import S3BlobStore

    blobs, _ = store
    assert isinstance(blobs, S3BlobStore)
    blobs._cached_files = 1  # one copy kept: every new download evicts the others
    for key in ("t/one.pdf", "t/two.pdf", "t/three.pdf"):
        writer = await blobs.writer()
        await writer.write(key.encode())
        await writer.commit(key)
    async with blobs.local_path("t/one.pdf") as one:
        async with blobs.local_path("t/two.pdf") as two:
            assert one.read_bytes() == b"t/one.pdf"  # still there while it is read
        async with blobs.local_path("t/three.pdf"):
            assert one.exists() and not two.exists()  # two was done with: evicted
