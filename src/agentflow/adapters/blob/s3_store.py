"""``BlobStore`` on any S3-compatible object store (AWS S3, SeaweedFS, MinIO, Ceph RGW, R2).

An upload streams to a staging object by multipart upload (parts of ``part_size``, the last one
smaller), so no upload is held in memory or on local disk; ``commit`` copies the staging object
to its key inside the store and deletes it, ``abort`` aborts the multipart upload: a rejected or
aborted upload leaves nothing behind. Originals are handed to browsers as short-lived presigned
URLs. Workers that need a file on disk (PyMuPDF) get one from a small local cache, checked
against the object's ETag, so the page ranges of one document download it once.

The boto3 client is synchronous: every call runs on a worker thread. A missing object is
``NotFound``; any other refusal or an unreachable store is ``StoreUnavailable`` with the
store's own error code.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from agentflow.adapters.blob.local_files import _safe_key
from agentflow.domain.errors import NotFound, StoreUnavailable

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
MIN_PART = 5 * 1024 * 1024  # S3's smallest part but the last


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code"))


def _missing(error: ClientError) -> bool:
    return _code(error) in _MISSING


def _unavailable(operation: str, error: Exception) -> StoreUnavailable:
    reason = _code(error) if isinstance(error, ClientError) else type(error).__name__
    return StoreUnavailable(f"the object store failed {operation}: {reason}", store="s3",
                            operation=operation)


def _ascii_name(filename: str) -> str:
    """A download name any client can take as a quoted header value."""
    kept = (ch for ch in filename if ch not in '"\\')
    folded = "".join(ch if 32 <= ord(ch) < 127 else "_" for ch in kept)
    return folded or "document.pdf"


class S3BlobWriter:
    """Buffers up to one part; each full part goes to the staging object's multipart upload."""

    def __init__(self, store: S3BlobStore) -> None:
        self._store = store
        self._staging = f"{store.prefix}.staging/{uuid.uuid4().hex}"
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    async def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= self._store.part_size:
            await self._flush()

    async def _flush(self) -> None:
        bucket = self._store.bucket
        if self._upload_id is None:
            created = await self._store.call("create_multipart_upload", Bucket=bucket,
                                             Key=self._staging)
            self._upload_id = str(created["UploadId"])
        body, self._buffer = bytes(self._buffer), bytearray()
        number = len(self._parts) + 1
        part = await self._store.call("upload_part", Bucket=bucket, Key=self._staging,
                                      UploadId=self._upload_id, PartNumber=number, Body=body)
        self._parts.append({"PartNumber": number, "ETag": part["ETag"]})

    async def commit(self, key: str) -> None:
        target = self._store.key(key)
        call, bucket = self._store.call, self._store.bucket
        if self._upload_id is None:  # small enough for one request: no staging object at all
            await call("put_object", Bucket=bucket, Key=target, Body=bytes(self._buffer))
            return
        if self._buffer:
            await self._flush()
        await call("complete_multipart_upload", Bucket=bucket, Key=self._staging,
                   UploadId=self._upload_id, MultipartUpload={"Parts": self._parts})
        await call("copy_object", Bucket=bucket, Key=target,
                   CopySource={"Bucket": bucket, "Key": self._staging})
        await call("delete_object", Bucket=bucket, Key=self._staging)

    async def abort(self) -> None:
        self._buffer = bytearray()
        if self._upload_id is not None:
            await self._store.call("abort_multipart_upload", Bucket=self._store.bucket,
                                   Key=self._staging, UploadId=self._upload_id)
            self._upload_id = None


class S3BlobStore:
    """Blobs under ``prefix`` in ``bucket``; ``cache_dir`` holds local copies for workers."""

    def __init__(self, client: Any, bucket: str, *, prefix: str = "", cache_dir: Path,
                 part_size: int = 8 * 1024 * 1024, cached_files: int = 8,
                 link_ttl_s: int = 300) -> None:
        if part_size < MIN_PART:
            raise ValueError(f"parts are at least {MIN_PART} bytes in S3")
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.part_size = part_size
        self.link_ttl_s = link_ttl_s
        self._cache_dir = cache_dir
        self._cached_files = cached_files
        self._in_use: Counter[Path] = Counter()  # local copies a caller is reading now
        self._lock = threading.Lock()  # between readers and the eviction thread
        self._cache_dir.mkdir(parents=True, exist_ok=True)

    def key(self, key: str) -> str:
        return self.prefix + _safe_key(key)

    async def call(self, operation: str, *, missing: str | None = None, **params: Any) -> Any:
        """``client.operation(**params)`` on a worker thread; a missing object is ``NotFound``
        (for blob ``missing``), any other failure ``StoreUnavailable``."""
        try:
            return await asyncio.to_thread(getattr(self.client, operation), **params)
        except ClientError as error:
            if missing is not None and _missing(error):
                raise NotFound(f"blob {missing} does not exist", key=missing) from None
            raise _unavailable(operation, error) from None
        except (BotoCoreError, Boto3Error) as error:  # unreachable; a transfer broken off
            raise _unavailable(operation, error) from None

    async def ensure_bucket(self) -> None:
        """Create the bucket when it is missing; a bucket these credentials may neither see nor
        create is refused with the store's own reason."""
        try:
            await asyncio.to_thread(self.client.head_bucket, Bucket=self.bucket)
            return
        except ClientError as error:
            if not _missing(error):
                raise StoreUnavailable(f"the bucket {self.bucket!r} cannot be used with these "
                                       f"credentials: {error}", store="s3") from None
        except BotoCoreError as error:
            raise StoreUnavailable(f"the object store is unreachable: {error}",
                                   store="s3") from None
        try:
            await asyncio.to_thread(self.client.create_bucket, Bucket=self.bucket)
        except (ClientError, BotoCoreError) as error:
            raise StoreUnavailable(f"the bucket {self.bucket!r} does not exist and cannot be "
                                   f"created with these credentials: {error}",
                                   store="s3") from None

    async def writer(self) -> S3BlobWriter:
        return S3BlobWriter(self)

    async def _head(self, key: str) -> dict[str, Any]:
        head: dict[str, Any] = await self.call("head_object", missing=key, Bucket=self.bucket,
                                               Key=self.key(key))
        return head

    @asynccontextmanager
    async def local_path(self, key: str) -> AsyncIterator[Path]:
        head = await self._head(key)
        etag = str(head.get("ETag", "")).strip('"')
        name = hashlib.sha256(f"{self.key(key)}\0{etag}".encode()).hexdigest()
        path = self._cache_dir / f"{name}.blob"
        with self._lock:  # in use from here: no eviction may take it now
            self._in_use[path] += 1
        try:
            if not path.is_file():
                partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
                try:
                    await self.call("download_file", missing=key, Bucket=self.bucket,
                                    Key=self.key(key), Filename=str(partial))
                    partial.replace(path)  # atomic: a reader never sees half a file
                finally:
                    partial.unlink(missing_ok=True)  # a failed download leaves nothing
                await asyncio.to_thread(self._evict, keep=path)
            os.utime(path)  # most recently used
            yield path
        finally:
            with self._lock:
                self._in_use[path] -= 1
                if not self._in_use[path]:
                    del self._in_use[path]

    def _evict(self, keep: Path) -> None:
        """Drop the least recently used copies past ``cached_files``; never one being read."""
        with self._lock:
            files = sorted(self._cache_dir.glob("*.blob"), key=lambda p: p.stat().st_mtime)
            for old in files[:max(0, len(files) - self._cached_files)]:
                if old != keep and old not in self._in_use:
                    old.unlink(missing_ok=True)

    async def read(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        response = await self.call("get_object", missing=key, Bucket=self.bucket,
                                   Key=self.key(key))
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, chunk_size):
                yield chunk
        except BotoCoreError as error:  # the connection broke mid-way
            raise _unavailable("get_object", error) from None
        finally:
            body.close()

    async def exists(self, key: str) -> bool:
        try:
            await self._head(key)
        except NotFound:
            return False
        return True

    async def size(self, key: str) -> int:
        return int((await self._head(key))["ContentLength"])

    async def delete(self, key: str) -> None:
        await self.call("delete_object", Bucket=self.bucket, Key=self.key(key))

    async def start(self) -> None:
        await self.ensure_bucket()

    async def link(self, key: str, *, filename: str, ttl_s: int | None = None) -> str | None:
        """A presigned URL that downloads the blob as ``filename`` for ``ttl_s`` seconds."""
        await self._head(key)  # a missing blob is NotFound here, not a dead link
        # An ASCII name for every client, the real one (RFC 6266) for those that read it.
        disposition = (f'attachment; filename="{_ascii_name(filename)}"; '
                       f"filename*=UTF-8''{quote(filename, safe='')}")
        url: str = await asyncio.to_thread(
            self.client.generate_presigned_url, "get_object",
            Params={"Bucket": self.bucket, "Key": self.key(key),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": "application/pdf"},
            ExpiresIn=ttl_s or self.link_ttl_s)
        return url
