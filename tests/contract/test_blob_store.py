"""BlobStore contract (local files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentflow.adapters.blob.local_files import LocalBlobStore
from agentflow.domain.errors import NotFound
from agentflow.ports.blob_store import BlobStore


@pytest.fixture(params=["local"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return LocalBlobStore(tmp_path / "blobs")


async def test_nothing_is_visible_before_commit(blobs: BlobStore) -> None:
    writer = await blobs.writer()
    await writer.write(b"%PDF-1.7 hello")
    assert not await blobs.exists("t/a.pdf")
    await writer.commit("t/a.pdf")
    assert await blobs.exists("t/a.pdf") and await blobs.size("t/a.pdf") == 14
    assert b"".join([part async for part in blobs.read("t/a.pdf", chunk_size=4)]) == b"%PDF-1.7 hello"
    async with blobs.local_path("t/a.pdf") as path:
        assert path.read_bytes() == b"%PDF-1.7 hello"


async def test_abort_leaves_nothing_and_delete_is_idempotent(blobs: BlobStore, tmp_path: Path) -> None:
    writer = await blobs.writer()
    await writer.write(b"x" * 1000)
    await writer.abort()
    assert list((tmp_path / "blobs" / ".staging").iterdir()) == []
    await blobs.delete("t/missing.pdf")
    with pytest.raises(NotFound):
        await blobs.size("t/missing.pdf")


@pytest.mark.parametrize("key", ["../escape.pdf", "/abs.pdf", "a//b.pdf", ""])
async def test_keys_cannot_escape_the_store(blobs: BlobStore, key: str) -> None:
    writer = await blobs.writer()
    with pytest.raises(ValueError):
        await writer.commit(key)
    await writer.abort()
