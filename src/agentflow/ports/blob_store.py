"""Where original PDFs live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol


class BlobWriter(Protocol):
    """An upload in progress; nothing is visible under a key until ``commit``."""

    async def write(self, data: bytes) -> None:
        """Append ``data`` to the upload."""
        ...

    async def commit(self, key: str) -> None:
        """Make the upload the blob under ``key`` in one step, replacing any blob already there."""
        ...

    async def abort(self) -> None:
        """Discard the upload; nothing is stored."""
        ...


class BlobStore(Protocol):
    """Stores original files by key; keys are chosen by the caller."""

    async def start(self) -> None:
        """Get ready to store (an object store creates its bucket when it is missing)."""
        ...

    async def writer(self) -> BlobWriter:
        """Start a new staged upload."""
        ...

    def local_path(self, key: str) -> AbstractAsyncContextManager[Path]:
        """A local file holding the blob for as long as the context is open."""
        ...

    def read(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        """Stream the blob's bytes."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""
        ...

    async def size(self, key: str) -> int:
        """The blob's size in bytes; raises ``NotFound`` if there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error."""
        ...

    async def link(self, key: str, *, filename: str) -> str | None:
        """A short-lived URL that downloads the blob straight from the store as ``filename``;
        None when the store gives no such links (the API then streams the blob itself). Raises
        ``NotFound`` if there is no blob."""
        ...
