"""Activities of ``ingest_document``: every read and write of ingestion lives here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import structlog

from agentflow.domain.batches import BatchStage
from agentflow.domain.documents import (
    PLAIN_TEXT,
    Document,
    DocumentError,
    DocumentPage,
    DocumentStatus,
    IngestStage,
    PageJson,
    Progress,
)
from agentflow.domain.errors import (
    Conflict,
    EmbeddingFailed,
    ExtractionTimeout,
    NoExtractableText,
    NotFound,
    StoreUnavailable,
    code_for_error_type,
)
from agentflow.domain.events import DomainEvent
from agentflow.domain.extraction import OcrOptions, PdfInfo, page_json_lines, recognised
from agentflow.domain.jobs import document_stream, documents_feed
from agentflow.domain.profiles import DocumentProfile
from agentflow.domain.workflows import ActivityRef
from agentflow.ingestion.chunker import ChunkingPolicy, chunk_pages
from agentflow.ingestion.context import with_context
from agentflow.ingestion.jobs import inspect_pdf
from agentflow.ingestion.profiling import derive_profile
from agentflow.ingestion.thumbnails import Thumbnails
from agentflow.ingestion.vectorising import index_chunks, index_document
from agentflow.observability import metrics, tracing
from agentflow.observability.audit import Auditor
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.blob_store import BlobStore
from agentflow.ports.chunk_store import ChunkStore
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.event_bus import EventBus
from agentflow.ports.event_log import EventLog
from agentflow.ports.extractor import Extractor
from agentflow.ports.page_store import PageStore
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.workflow_engine import ActivityContext, WorkflowEngine
from agentflow.retrieval.profile_index import ProfileIndex
from agentflow.retrieval.tenant_models import ModelChoice, TenantModels
from agentflow.workflows.ingest_handles import (
    BEGIN,
    CHUNK,
    COMMIT,
    EMBED,
    EXTRACT,
    FAIL,
    ChunkRange,
    DocumentRef,
    Done,
    IngestFailure,
    PageRange,
    Plan,
    Settled,
)

log = structlog.get_logger(__name__)
RefT = TypeVar("RefT", bound=DocumentRef)
OutT = TypeVar("OutT")


class IngestRecords(DocumentRecords, PageStore, ChunkStore, Protocol):
    """What ingestion activities read and write: documents, pages, chunks."""


@dataclass
class IngestActivities:
    """The ports ingestion needs; each method is one registered activity."""

    catalog: IngestRecords
    blobs: BlobStore
    extractor: Extractor
    executor: BatchExecutor
    models: TenantModels  # each tenant's embedding model and index generations
    sparse: SparseEncoder
    events: EventLog
    bus: EventBus  # document.ready / document.failed for the platform's listeners
    audit: Auditor
    chunk_overlap_tokens: int
    extract_timeout_s: float
    extract_stage: BatchStage  # pages of a PDF -> JSON Lines of pages, on the CPU pool
    profiles: ProfileIndex  # one point a ready document, for routing
    chunk_tokens: int = 254
    ocr: OcrOptions | None = None  # how the extraction stage recognises scans (None: it does not)
    pages_per_ocr_task: int = 2
    thumbnails: Thumbnails | None = None  # the first page's preview, made when it is ready

    def register(self, engine: WorkflowEngine) -> None:
        engine.register_activity(BEGIN, self._audited(BEGIN, self.begin))
        engine.register_activity(EXTRACT, self._audited(EXTRACT, self.extract))
        engine.register_activity(CHUNK, self._audited(CHUNK, self.chunk))
        engine.register_activity(EMBED, self._audited(EMBED, self.embed))
        engine.register_activity(COMMIT, self._audited(COMMIT, self.commit))
        engine.register_activity(FAIL, self._audited(FAIL, self.fail))

    def _audited(self, handle: ActivityRef[RefT, OutT],
                 activity: Callable[[ActivityContext, RefT], Awaitable[OutT]],
                 ) -> Callable[[ActivityContext, RefT], Awaitable[OutT]]:
        """The activity, with one audit record per run (its stage, range and outcome)."""
        name = handle.name.removeprefix("ingest_")

        async def run(ctx: ActivityContext, job: RefT) -> OutT:
            ranges = job.model_dump(include={"first", "last", "start", "stop"})
            detail: dict[str, str | int] = {"document_id": job.document_id, **ranges}
            started = time.perf_counter()
            try:
                result = await activity(ctx, job)
            except Exception as error:
                await self.audit.record(job.tenant_id, "ingestion", f"ingest.{name}",
                                        "failed", {**detail, "reason": type(error).__name__})
                raise
            finally:
                metrics.ingest_stage_duration.labels(stage=name).observe(
                    time.perf_counter() - started)
            await self.audit.record(job.tenant_id, "ingestion", f"ingest.{name}", "ok", detail)
            return result

        return run

    async def _document(self, ref: DocumentRef) -> Document:
        document = await self.catalog.get_document(ref.tenant_id, ref.document_id)
        if document is None:
            raise NotFound("the document was deleted", document_id=ref.document_id)
        return document

    async def _progress(self, document: Document, progress: Progress,
                        detail: str | None = None) -> None:
        await self.catalog.update_progress(document.tenant_id, document.id, progress)
        await self._publish(document, "progress", {
            "status": DocumentStatus.PROCESSING.value, **progress.model_dump(mode="json"),
            "detail": detail or _detail(progress)})

    async def _publish(self, document: Document, event: str, data: dict[str, object]) -> None:
        """An event on the document's stream, and on its tenant's feed with the document's id."""
        await self.events.append(document_stream(document.tenant_id, document.id), event, data)
        await self.events.append(documents_feed(document.tenant_id), event,
                                 {"document_id": document.id, **data})

    async def _unindex(self, tenant_id: str, document_id: str) -> None:
        """Remove the document's chunk vectors (every generation) and its profile point."""
        for generation in (await self.models.vectors(tenant_id)).generations():
            await generation.index.delete_document(tenant_id, document_id)
        await self.profiles.remove(tenant_id, document_id)

    async def _save(self, document: Document, *, was: frozenset[DocumentStatus]) -> bool:
        """Store ``document`` if its stored status is still one of ``was`` (compare-and-set:
        a document deleted or changed meanwhile is not revived or overwritten)."""
        document.updated_at = datetime.now(UTC)
        return await self.catalog.save_document_if(document, status=sorted(was))

    async def _sweep(self, tenant_id: str, document_id: str) -> None:
        """What in-flight work wrote for a document deleted meanwhile: pages, chunks, vectors,
        the profile point, the event stream."""
        await self.catalog.delete_document(tenant_id, document_id)
        await self._unindex(tenant_id, document_id)
        await self.events.close_stream(document_stream(tenant_id, document_id))

    async def begin(self, ctx: ActivityContext, ref: DocumentRef) -> Plan:
        document = await self._document(ref)
        if document.media_type == PLAIN_TEXT:
            info = PdfInfo(page_count=1)
        else:
            async with self.blobs.local_path(document.blob_key) as path:
                info = await self.executor.run(inspect_pdf, (self.extractor, path), timeout_s=30)
        # Start clean: a retry or a resumed run must not leave vectors of an earlier attempt.
        await self._unindex(document.tenant_id, document.id)
        # The PDF's own title waits here for the chunk step, which derives the whole profile.
        document.derived_profile = DocumentProfile(title=info.title)
        document.status = DocumentStatus.PROCESSING
        document.pages, document.chunks, document.error = info.page_count, None, None
        document.warnings = []
        document.progress = Progress(stage=IngestStage.EXTRACTING, done=0, total=info.page_count)
        if not await self._save(document, was=_INGESTING):
            raise NotFound("the document was deleted or changed", document_id=document.id)
        await self._progress(document, document.progress)
        scanned = self.ocr is not None and info.scanned
        return Plan(page_count=info.page_count,
                    pages_per_task=self.pages_per_ocr_task if scanned else None)

    async def extract(self, ctx: ActivityContext, job: PageRange) -> Done:
        document = await self._document(job)
        if document.media_type == PLAIN_TEXT:
            extracted = await self._text_page(document)
        else:
            extracted = await self._pdf_pages(document, job)
        await self.catalog.save_page_json(document.tenant_id, document.id, extracted)
        metrics.ingest_pages.inc(len(extracted))
        done = await self.catalog.count_pages(document.tenant_id, document.id)
        total = document.pages or done
        await self._progress(document, Progress(stage=IngestStage.EXTRACTING, done=done,
                                                total=total),
                             f"recognising text, page {done}/{total}"
                             if any(recognised(page) for page in extracted) else None)
        return Done(count=len(extracted))

    async def _text_page(self, document: Document) -> list[PageJson]:
        async with self.blobs.local_path(document.blob_key) as path:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8", errors="replace")
        page = DocumentPage(document_id=document.id, number=1, width=0, height=0,
                            text=text.strip(), blocks=[])
        return [PageJson(number=1, body=page.model_dump_json())]

    async def _pdf_pages(self, document: Document, job: PageRange) -> list[PageJson]:
        # Workers beside this process read the local copy; a Ray worker on another node reads
        # the store by a presigned link when the store gives one.
        url = await self.blobs.link(document.blob_key, filename=document.name) or ""
        async with self.blobs.local_path(document.blob_key) as path:
            try:
                (row,) = await self.executor.map_batches(
                    self.extract_stage, [{"path": str(path), "first": job.first,
                                          "last": job.last, "document_id": document.id,
                                          "url": url}],
                    timeout_s=self._extract_timeout_s(job))
            except TimeoutError:
                raise ExtractionTimeout(
                    f"pages {job.first}-{job.last} took longer than "
                    f"{self._extract_timeout_s(job):.0f}s to extract") from None
        return page_json_lines(row["pages"], job.first, job.last)

    def _extract_timeout_s(self, job: PageRange) -> float:
        """The range's time limit: extraction's, plus each page's recognition limit when the
        document looked scanned (a page past it is given up with a warning, not the range).
        Other documents keep extraction's limit, which also bounds a decompression bomb."""
        ocr = self.ocr.timeout_s * (job.last - job.first + 1) if self.ocr and job.scanned else 0.0
        return self.extract_timeout_s + ocr

    async def chunk(self, ctx: ActivityContext, ref: DocumentRef) -> Done:
        document = await self._document(ref)
        pages = await self.catalog.get_page_texts(document.tenant_id, document.id)
        await self._progress(document, Progress(stage=IngestStage.CHUNKING, done=0,
                                                total=len(pages)))
        warnings = [warning for page in pages for warning in page.warnings]
        if not any(page.text.strip() for page in pages):
            document.warnings = warnings
            await self._save(document, was=_INGESTING)
            raise NoExtractableText(_no_text_reason({warning.code for warning in warnings},
                                                    ocr=self.ocr is not None))
        tokenizer = self.models.builtin.tokenizer  # one window for every model (see ADR 0021)
        policy = ChunkingPolicy(max_tokens=min(self.chunk_tokens, tokenizer.max_tokens),
                                overlap_tokens=min(self.chunk_overlap_tokens,
                                                   self.chunk_tokens // 2))
        chunks = await asyncio.to_thread(
            chunk_pages, [page for page in pages if page.text], tokenizer, policy,
            tenant_id=document.tenant_id, document_id=document.id,
        )
        pdf_title = document.derived_profile.title if document.derived_profile else None
        # Regular expressions over every page: off the event loop, like chunking.
        document.derived_profile = await asyncio.to_thread(
            derive_profile, document.name, pdf_title, [page.text for page in pages])
        chunks = await asyncio.to_thread(with_context, chunks, document.profile.label(),
                                         {page.number: page.text for page in pages})
        await self.catalog.replace_chunks(document.tenant_id, document.id, chunks)
        document.chunks, document.warnings = len(chunks), warnings
        document.progress = Progress(stage=IngestStage.EMBEDDING, done=0, total=len(chunks))
        if not await self._save(document, was=_INGESTING):
            raise NotFound("the document was deleted or changed", document_id=document.id)
        await self._progress(document, document.progress)
        return Done(count=len(chunks))

    async def embed(self, ctx: ActivityContext, job: ChunkRange) -> Done:
        document = await self._document(job)
        chunks = await self.catalog.get_chunks(document.tenant_id, document.id,
                                               start=job.start, stop=job.stop)
        vectors = await self.models.vectors(document.tenant_id)
        await index_chunks(document, chunks, vectors.active, self.sparse)
        if vectors.target is not None:  # a move to a new model is under way: write there too
            try:
                await index_chunks(document, chunks, vectors.target, self.sparse)
            except (EmbeddingFailed, StoreUnavailable) as error:
                # The move's last pass embeds what is missing, or stops with this reason.
                log.warning("target_embedding_failed", document_id=document.id,
                            tenant_id=document.tenant_id, error=error.detail)
        metrics.ingest_chunks.inc(len(chunks))
        done = await vectors.active.index.count(document.tenant_id, document.id)
        await self._progress(document, Progress(stage=IngestStage.EMBEDDING, done=done,
                                                total=document.chunks or done))
        return Done(count=len(chunks))

    async def commit(self, ctx: ActivityContext, ref: DocumentRef) -> Settled:
        document = await self._document(ref)
        # Read afresh: a move to a new model may have started or finished since the embedding.
        vectors = await self.models.vectors(document.tenant_id, fresh=True)
        for generation in vectors.generations()[1:]:  # the target of a move: best effort
            try:
                await self._complete(document, generation)
            except (EmbeddingFailed, StoreUnavailable) as error:
                log.warning("target_embedding_failed", document_id=document.id,
                            tenant_id=document.tenant_id, error=error.detail)
        active = vectors.active
        indexed = await active.index.count(document.tenant_id, document.id)
        if indexed != document.chunks and active.generation != 0:
            # The tenant moved to a new model while this document was embedded: fill it in.
            indexed = await self._complete(document, active)
        if indexed != document.chunks:
            raise RuntimeError(f"index holds {indexed} of {document.chunks} chunks")
        await self.profiles.put(document)
        if self.thumbnails is not None:  # before the status: a delete from now on removes it
            await self.thumbnails.try_make(document)
        document.status = DocumentStatus.READY
        document.progress = Progress(stage=IngestStage.DONE, done=indexed, total=indexed)
        if not await self._save(document, was=frozenset({DocumentStatus.PROCESSING})):
            if await self.catalog.get_document(document.tenant_id, document.id) is None:
                await self._sweep(document.tenant_id, document.id)  # deleted meanwhile
                if self.thumbnails is not None:
                    await self.thumbnails.delete(document)
                return Settled(id=document.id, status="deleted")
            raise Conflict("the document changed while it was ingested",
                           document_id=document.id)
        settled = _settled(document)
        await self._publish(document, "ready", settled.model_dump(mode="json"))
        await self._announce(document)
        log.info("document_ready", document_id=document.id, tenant_id=document.tenant_id,
                 pages=document.pages, chunks=document.chunks)
        return settled

    async def _complete(self, document: Document, generation: ModelChoice) -> int:
        """Embed the document into ``generation`` if it lacks chunks there; the count after."""
        indexed = await generation.index.count(document.tenant_id, document.id)
        if indexed != document.chunks:
            chunks = await self.catalog.get_chunks(document.tenant_id, document.id)
            await index_document(document, chunks, generation, self.sparse)
            indexed = await generation.index.count(document.tenant_id, document.id)
        return indexed

    async def _announce(self, document: Document) -> None:
        error = document.error
        metrics.ingest_documents.labels(outcome=document.status.value).inc()
        await self.bus.publish(DomainEvent(
            type=f"document.{document.status.value}", tenant_id=document.tenant_id,
            trace_id=structlog.contextvars.get_contextvars().get("trace_id"),
            traceparent=tracing.traceparent(),
            data={"document_id": document.id, "pages": document.pages, "chunks": document.chunks,
                  "warnings": len(document.warnings),
                  "code": error.code if error else None,
                  "stage": error.stage.value if error and error.stage else None}))

    async def fail(self, ctx: ActivityContext, failure: IngestFailure) -> Settled:
        document = await self.catalog.get_document(failure.tenant_id, failure.document_id)
        if document is None:  # deleted while ingesting: sweep what in-flight work re-created
            await self._sweep(failure.tenant_id, failure.document_id)
            return Settled(id=failure.document_id, status="deleted")
        stage = failure.stage
        document.status = DocumentStatus.FAILED
        document.error = DocumentError(code=code_for_error_type(failure.error_type),
                                       message=failure.message, stage=stage)
        if not await self._save(document, was=_INGESTING):
            # Deleted meanwhile (swept), or settled by another run: nothing of ours to mark.
            if await self.catalog.get_document(document.tenant_id, document.id) is None:
                await self._sweep(document.tenant_id, document.id)
                return Settled(id=document.id, status="deleted")
            return Settled(id=document.id, status="unchanged")
        await self._unindex(document.tenant_id, document.id)
        settled = _settled(document)
        await self._publish(document, "failed", settled.model_dump(mode="json"))
        await self._announce(document)
        log.warning("document_failed", document_id=document.id, tenant_id=document.tenant_id,
                    stage=stage.value, code=document.error.code)
        return settled


_INGESTING = frozenset({DocumentStatus.PENDING, DocumentStatus.PROCESSING})
_UNITS = {IngestStage.EXTRACTING: "pages", IngestStage.CHUNKING: "pages",
          IngestStage.EMBEDDING: "chunks", IngestStage.INDEXING: "chunks"}


def _detail(progress: Progress) -> str:
    """Words for people, e.g. "embedding chunks 120/480"."""
    unit = _UNITS.get(progress.stage, "")
    return f"{progress.stage.value} {unit} {progress.done}/{progress.total}".replace("  ", " ")


def _no_text_reason(kinds: set[str], *, ocr: bool) -> str:
    if "ocr_failed" in kinds:
        return "text recognition failed on its pages (see each page's warning)"
    if "unmapped_font" in kinds:
        return ("the text uses fonts without a Unicode mapping, so none of it can be read; "
                "with Tesseract installed its pages are recognised instead (OCR)")
    if "no_text_layer" in kinds:
        return ("no page has a text layer (scanned images) and OCR is off: install Tesseract "
                "(apt-get install tesseract-ocr, or brew install tesseract) and leave "
                "AGENTFLOW_INGEST__OCR at auto")
    if ocr:
        return "the PDF contains no extractable text, and OCR recognised none on its pages"
    return "the PDF contains no extractable text"


def _settled(document: Document) -> Settled:
    return Settled(id=document.id, status=document.status.value, progress=document.progress,
                   pages=document.pages, chunks=document.chunks, error=document.error,
                   warnings=document.warnings)
