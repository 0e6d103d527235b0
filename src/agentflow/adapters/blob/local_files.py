"""``BlobStore`` on the local file system, under ``{data_dir}/blobs``."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio

from agentflow.domain.errors import NotFound


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if not key or any(part in ("", ".", "..") for part in parts) or "\\" in key:
        raise ValueError(f"invalid blob key {key!r}")
    return key


class LocalBlobWriter:
    """Writes to a staging file; ``commit`` renames it into place atomically."""

    def __init__(self, root: Path, staging: Path) -> None:
        self._root = root
        self._staging = staging
        self._file = staging.open("wb")

    async def write(self, data: bytes) -> None:
        await asyncio.to_thread(self._file.write, data)

    async def commit(self, key: str) -> None:
        target = self._root / _safe_key(key)

        def finish() -> None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            target.parent.mkdir(parents=True, exist_ok=True)
            self._staging.replace(target)

        await asyncio.to_thread(finish)

    async def abort(self) -> None:
        self._file.close()
        self._staging.unlink(missing_ok=True)


class LocalBlobStore:
    """Blobs as plain files; staging files live beside them so renames stay on one disk."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._staging = root / ".staging"
        self._staging.mkdir(parents=True, exist_ok=True)
        for leftover in self._staging.iterdir():  # uploads cut off by a crash
            leftover.unlink(missing_ok=True)

    async def start(self) -> None:
        return None

    async def writer(self) -> LocalBlobWriter:
        return LocalBlobWriter(self._root, self._staging / uuid.uuid4().hex)

    def _path(self, key: str) -> Path:
        return self._root / _safe_key(key)

    @asynccontextmanager
    async def local_path(self, key: str) -> AsyncIterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"blob {key} does not exist", key=key)
        yield path

    async def read(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"blob {key} does not exist", key=key)
        async with await anyio.open_file(path, "rb") as handle:
            while chunk := await handle.read(chunk_size):
                yield chunk

    async def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    async def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"blob {key} does not exist", key=key)
        return path.stat().st_size

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def link(self, key: str, *, filename: str) -> str | None:
        if not self._path(key).is_file():
            raise NotFound(f"blob {key} does not exist", key=key)
        return None  # files on this disk are streamed by the API
