"""Receiving uploads: stream to the blob store, check, dedup, record, queue for ingestion."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from agentflow.domain.documents import PLAIN_TEXT, Document, DocumentMetadata
from agentflow.domain.errors import EmptyFile, EncryptedPdf, FileTooLarge, NotAPdf, UnreadablePdf
from agentflow.ingestion.jobs import inspect_pdf
from agentflow.ingestion.quotas import Quotas
from agentflow.observability import tracing
from agentflow.observability.logging import current_trace_id
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.blob_store import BlobStore, BlobWriter
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.extractor import Extractor

log = structlog.get_logger(__name__)
_HEADER_WINDOW = 1024  # PDF readers accept "%PDF-" anywhere in the first KiB


def new_document_id() -> str:
    return f"doc_{uuid.uuid4().hex}"


@dataclass
class IncomingFile:
    """One file part being received; feed it bytes, then ``finish``."""

    name: str
    writer: BlobWriter
    max_bytes: int
    size: int = 0
    _sha256: hashlib._Hash = field(default_factory=hashlib.sha256)
    _head: bytes = b""

    async def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            await self.writer.abort()
            raise FileTooLarge(f"{self.name} is larger than the limit of {self.max_bytes} bytes",
                               limit_bytes=self.max_bytes)
        if len(self._head) < _HEADER_WINDOW:
            self._head += data[: _HEADER_WINDOW - len(self._head)]
            if len(self._head) >= _HEADER_WINDOW and b"%PDF-" not in self._head:
                await self.writer.abort()
                raise NotAPdf(f"{self.name} is not a PDF")
        self._sha256.update(data)
        await self.writer.write(data)

    async def finish(self) -> str:
        """Check what could not be checked while streaming; returns the sha256."""
        if self.size == 0:
            await self.writer.abort()
            raise EmptyFile(f"{self.name} is empty")
        if b"%PDF-" not in self._head:
            await self.writer.abort()
            raise NotAPdf(f"{self.name} is not a PDF")
        return self._sha256.hexdigest()


@dataclass
class ReceivedFile:
    incoming: IncomingFile
    sha256: str


@dataclass
class Uploads:
    """All-or-nothing per request: one bad file rejects the request and keeps none of it."""

    catalog: DocumentRecords
    blobs: BlobStore
    extractor: Extractor
    executor: BatchExecutor
    max_bytes: int
    quotas: Quotas

    async def open(self, name: str) -> IncomingFile:
        return IncomingFile(name=_clean_name(name), writer=await self.blobs.writer(),
                            max_bytes=self.max_bytes)

    async def accept(
        self, tenant_id: str, files: Sequence[ReceivedFile], metadata: DocumentMetadata
    ) -> list[tuple[Document, bool]]:
        """Store, check and record every file; returns ``(document, is_duplicate)`` each."""
        created: list[Document] = []
        results: list[tuple[Document, bool]] = []
        try:
            await self.quotas.check_upload(tenant_id, len(files),
                                           sum(received.incoming.size for received in files))
            for received in files:
                results.append(await self._accept_one(tenant_id, received, metadata, created))
        except BaseException:
            for document in created:
                await self.catalog.delete_document(tenant_id, document.id)
                await self.blobs.delete(document.blob_key)
            for received in files[len(results):]:
                await received.incoming.writer.abort()
            raise
        return results

    async def _accept_one(
        self, tenant_id: str, received: ReceivedFile, metadata: DocumentMetadata,
        created: list[Document],
    ) -> tuple[Document, bool]:
        incoming = received.incoming
        existing = await self.catalog.find_by_sha256(tenant_id, received.sha256)
        if existing is not None:
            await incoming.writer.abort()
            return existing, True
        document_id = new_document_id()
        key = f"{tenant_id}/{document_id}.pdf"
        await incoming.writer.commit(key)
        try:
            await self._check(key, incoming.name)
        except BaseException:
            await self.blobs.delete(key)
            raise
        now = datetime.now(UTC)
        document = Document(
            id=document_id, tenant_id=tenant_id, name=incoming.name, sha256=received.sha256,
            size_bytes=incoming.size, blob_key=key, metadata=metadata, created_at=now,
            updated_at=now, trace_id=current_trace_id(), traceparent=tracing.traceparent(),
        )
        stored = await self.catalog.add_document(document)
        if stored.id != document.id:  # the same bytes arrived concurrently: keep the first
            await self.blobs.delete(key)
            return stored, True
        created.append(stored)
        log.info("document_received", document_id=stored.id, tenant_id=tenant_id,
                 size_bytes=stored.size_bytes)
        return stored, False

    async def accept_text(self, tenant_id: str, name: str, text: str,
                          metadata: DocumentMetadata) -> tuple[Document, bool]:
        """Record a plain-text document (a benchmark corpus entry) for ingestion as one page."""
        data = text.encode()
        if not data.strip():
            raise EmptyFile(f"{name} is empty")
        sha256 = hashlib.sha256(data).hexdigest()
        existing = await self.catalog.find_by_sha256(tenant_id, sha256)
        if existing is not None:
            return existing, True
        document_id = new_document_id()
        key = f"{tenant_id}/{document_id}.txt"
        writer = await self.blobs.writer()
        await writer.write(data)
        await writer.commit(key)
        now = datetime.now(UTC)
        document = Document(
            id=document_id, tenant_id=tenant_id, name=_clean_name(name), media_type=PLAIN_TEXT,
            sha256=sha256, size_bytes=len(data), blob_key=key, metadata=metadata,
            created_at=now, updated_at=now, trace_id=current_trace_id(),
            traceparent=tracing.traceparent())
        stored = await self.catalog.add_document(document)
        if stored.id != document.id:
            await self.blobs.delete(key)
            return stored, True
        return stored, False

    async def _check(self, key: str, name: str) -> None:
        async with self.blobs.local_path(key) as path:
            try:
                await self.executor.run(inspect_pdf, (self.extractor, path), timeout_s=30)
            except EncryptedPdf:
                raise EncryptedPdf(f"{name} is encrypted and needs a password") from None
            except (UnreadablePdf, TimeoutError) as exc:
                # Not a reason to refuse: ingestion records the failure and keeps the file.
                log.warning("upload_unreadable", blob_key=key, error=str(exc))


def _clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in base if ch.isprintable())[:255]
    return cleaned or "document.pdf"
