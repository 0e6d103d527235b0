"""``BlobStore`` on any S3-compatible object store (AWS S3, SeaweedFS, MinIO, Ceph RGW, R2).

An upload streams to a staging object by multipart upload (parts of ``part_size``, the last one
smaller), so no upload is held in memory or on local disk; ``commit`` copies the staging object
to its key inside the store and deletes it, ``abort`` aborts the multipart upload: a rejected or
aborted upload leaves nothing behind. Originals are handed to browsers as short-lived presigned
URLs. Workers that need a file on disk (PyMuPDF) get one from a small local cache, checked
against the object's ETag, so the page ranges of one document download it once.

The boto3 client is synchronous: every call runs on a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from agentflow.adapters.blob.local_files import _safe_key
from agentflow.domain.errors import NotFound, StoreUnavailable

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
MIN_PART = 5 * 1024 * 1024  # S3's smallest part but the last


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


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
        client, bucket = self._store.client, self._store.bucket
        if self._upload_id is None:
            created = await asyncio.to_thread(client.create_multipart_upload, Bucket=bucket,
                                              Key=self._staging)
            self._upload_id = str(created["UploadId"])
        body, self._buffer = bytes(self._buffer), bytearray()
        number = len(self._parts) + 1
        part = await asyncio.to_thread(client.upload_part, Bucket=bucket, Key=self._staging,
                                       UploadId=self._upload_id, PartNumber=number, Body=body)
        self._parts.append({"PartNumber": number, "ETag": part["ETag"]})

    async def commit(self, key: str) -> None:
        target = self._store.key(key)
        client, bucket = self._store.client, self._store.bucket
        if self._upload_id is None:  # small enough for one request: no staging object at all
            await asyncio.to_thread(client.put_object, Bucket=bucket, Key=target,
                                    Body=bytes(self._buffer))
            return
        if self._buffer:
            await self._flush()
        await asyncio.to_thread(client.complete_multipart_upload, Bucket=bucket,
                                Key=self._staging, UploadId=self._upload_id,
                                MultipartUpload={"Parts": self._parts})
        await asyncio.to_thread(client.copy_object, Bucket=bucket, Key=target,
                                CopySource={"Bucket": bucket, "Key": self._staging})
        await asyncio.to_thread(client.delete_object, Bucket=bucket, Key=self._staging)

    async def abort(self) -> None:
        self._buffer = bytearray()
        if self._upload_id is not None:
            await asyncio.to_thread(self._store.client.abort_multipart_upload,
                                    Bucket=self._store.bucket, Key=self._staging,
                                    UploadId=self._upload_id)
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
        self._cache_dir.mkdir(parents=True, exist_ok=True)

    def key(self, key: str) -> str:
        return self.prefix + _safe_key(key)

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
        try:
            await asyncio.to_thread(self.client.create_bucket, Bucket=self.bucket)
        except ClientError as error:
            raise StoreUnavailable(f"the bucket {self.bucket!r} does not exist and cannot be "
                                   f"created with these credentials: {error}",
                                   store="s3") from None

    async def writer(self) -> S3BlobWriter:
        return S3BlobWriter(self)

    async def _head(self, key: str) -> dict[str, Any]:
        try:
            head: dict[str, Any] = await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=self.key(key))
        except ClientError as error:
            if _missing(error):
                raise NotFound(f"blob {key} does not exist", key=key) from None
            raise
        return head

    @asynccontextmanager
    async def local_path(self, key: str) -> AsyncIterator[Path]:
        head = await self._head(key)
        etag = str(head.get("ETag", "")).strip('"')
        name = hashlib.sha256(f"{self.key(key)}\0{etag}".encode()).hexdigest()
        path = self._cache_dir / f"{name}.blob"
        if not path.is_file():
            partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
            await asyncio.to_thread(self.client.download_file, self.bucket, self.key(key),
                                    str(partial))
            partial.replace(path)  # atomic: a reader never sees half a file
            await asyncio.to_thread(self._evict, keep=path)
        os.utime(path)  # most recently used
        yield path

    def _evict(self, keep: Path) -> None:
        files = sorted(self._cache_dir.glob("*.blob"), key=lambda p: p.stat().st_mtime)
        for old in files[:max(0, len(files) - self._cached_files)]:
            if old != keep:
                old.unlink(missing_ok=True)

    async def read(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        try:
            response = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket,
                                               Key=self.key(key))
        except ClientError as error:
            if _missing(error):
                raise NotFound(f"blob {key} does not exist", key=key) from None
            raise
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, chunk_size):
                yield chunk
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
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self.key(key))

    async def start(self) -> None:
        await self.ensure_bucket()

    async def link(self, key: str, *, filename: str, ttl_s: int | None = None) -> str | None:
        """A presigned URL that downloads the blob as ``filename`` for ``ttl_s`` seconds."""
        await self._head(key)  # a missing blob is NotFound here, not a dead link
        disposition = f'attachment; filename="{filename.replace(chr(34), "")}"'
        url: str = await asyncio.to_thread(
            self.client.generate_presigned_url, "get_object",
            Params={"Bucket": self.bucket, "Key": self.key(key),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": "application/pdf"},
            ExpiresIn=ttl_s or self.link_ttl_s)
        return url
