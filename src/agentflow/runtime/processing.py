"""Building what runs the work: the workflow engine, the batch executor, the vector indexes
and the ingestion dispatch."""

from __future__ import annotations

import structlog

from agentflow.ingestion.queue import IngestionQueue
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.catalog import Catalog
from agentflow.ports.ingestion_dispatch import IngestionDispatch
from agentflow.ports.vector_index import VectorIndex
from agentflow.ports.workflow_engine import WorkflowEngine
from agentflow.runtime.optional import load
from agentflow.settings import (
    IngestDispatchKind,
    Settings,
    WorkflowEngineKind,
)

log = structlog.get_logger(__name__)


def build_dispatch(settings: Settings, engine: WorkflowEngine, catalog: Catalog) -> IngestionDispatch:
    """Uploads are ingested by this process's queue, or handed to their Dapr actors."""
    ingest = settings.ingest
    if ingest.dispatch is IngestDispatchKind.QUEUE:
        concurrency = ingest.max_concurrent_documents
        if settings.ray_address is not None:
            concurrency = max(concurrency, settings.ray.max_concurrent_documents)
        return IngestionQueue(engine, catalog, concurrency=concurrency,
                              per_tenant=settings.limits.max_concurrent_ingestions,
                              pages_per_task=ingest.pages_per_extract_task,
                              chunks_per_task=ingest.chunks_per_embed_task)
    actors = load("agentflow.adapters.dispatch.dapr_actors")
    token = settings.dapr.api_token.get_secret_value() if settings.dapr.api_token else None
    built: IngestionDispatch = actors.DaprActorDispatch(
        settings.dapr.http_endpoint, catalog, token=token)
    return built


def build_engine(settings: Settings) -> WorkflowEngine:
    """The in-process runner, or Dapr's workflow runtime (the same generators either way)."""
    if settings.workflow.engine is WorkflowEngineKind.IN_PROCESS:
        from agentflow.adapters.workflow.inprocess import InProcessWorkflowEngine

        return InProcessWorkflowEngine()
    dapr = load("agentflow.adapters.workflow.dapr_engine", "distributed")
    port = str(settings.dapr.grpc_port) if settings.dapr.grpc_port else None
    built: WorkflowEngine = dapr.DaprWorkflowEngine(
        host=settings.dapr.grpc_host, port=port, worker=settings.workflow.worker)
    return built


def build_executor(settings: Settings) -> BatchExecutor:
    """Extraction workers: a local process pool, or a Ray cluster when ``RAY_ADDRESS`` is set."""
    if settings.ray_address is None:
        from agentflow.adapters.batch.process_pool import ProcessPoolBatchExecutor
        from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor

        return ProcessPoolBatchExecutor(
            settings.ingest.extract_workers,
            preload=(PyMuPdfExtractor.__module__, "agentflow.ingestion.jobs",
                     "agentflow.ray_tasks.extract"),
            memory_limit_bytes=settings.ingest.extract_worker_memory_mb * 2**20)
    ray = load("agentflow.ray_tasks.executor", "distributed")
    built: BatchExecutor = ray.RayBatchExecutor(
        settings.ray_address, settings=settings.ray)
    return built


def build_index(settings: Settings, dimension: int, *, of: str = "chunks") -> VectorIndex:
    """Qdrant Edge in-process, or a Qdrant server when ``AGENTFLOW_VECTOR__URL`` is set; the
    chunks' index, or (``of="profiles"``) the document profiles' beside it."""
    vector = settings.vector
    if vector.url is None:
        from agentflow.adapters.vector.qdrant_edge import QdrantEdgeIndex

        folder = "qdrant" if of == "chunks" else f"qdrant-{of}"
        return QdrantEdgeIndex(settings.data_dir / folder, dimension=dimension,
                               optimize_every=vector.optimize_every_points)
    server = load("agentflow.adapters.vector.qdrant_server", "distributed")
    key = vector.api_key.get_secret_value() if vector.api_key else None
    collection = vector.collection if of == "chunks" else f"{vector.collection}-{of}"
    built: VectorIndex = server.QdrantServerIndex.connect(
        vector.url, api_key=key, collection=collection, dimension=dimension)
    return built
