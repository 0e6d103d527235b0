"""The composition root: ``build_container`` wires the application from the factories of each
subsystem (``records``, ``embedding``, ``processing``, ``monitoring``, ``answering`` beside
this module), which alone choose adapters by profile and settings.

Adapters are imported lazily (``runtime.optional``), so a profile whose optional extra is
missing fails with a clear ``DependencyMissing`` instead of an ImportError deep inside a
request. The agents (their own namespace portion, which core never imports statically) are
loaded by name too (ADR 0006).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import structlog
from pydantic import SecretStr

from agentflow.answering.page_images import PageImages
from agentflow.answering.questions import Questions
from agentflow.auth.authenticator import Authenticator
from agentflow.domain.jobs import INGEST_WORKFLOW
from agentflow.domain.messages import AgentName
from agentflow.ingestion.documents import Documents
from agentflow.ingestion.model_changes import ModelChanges
from agentflow.ingestion.quotas import Quotas
from agentflow.ingestion.thumbnails import Thumbnails
from agentflow.ingestion.uploads import Uploads
from agentflow.observability.audit import Auditor
from agentflow.observability.tracing import configure_tracing
from agentflow.ports.agent_transport import Agent, AgentTransport
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.blob_store import BlobStore
from agentflow.ports.catalog import Catalog
from agentflow.ports.embedder import Embedder
from agentflow.ports.event_bus import EventBus
from agentflow.ports.event_log import EventLog
from agentflow.ports.extractor import Extractor
from agentflow.ports.identity_store import IdentityStore
from agentflow.ports.ingestion_dispatch import IngestionDispatch
from agentflow.ports.model_provider import ModelProvider
from agentflow.ports.monitor import Monitor
from agentflow.ports.passage_sets import PassageSets
from agentflow.ports.rate_limiter import RateLimiter
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.vector_index import VectorIndex
from agentflow.ports.workflow_engine import WorkflowEngine
from agentflow.retrieval.profile_index import ProfileIndex
from agentflow.retrieval.routing import DocumentRouter
from agentflow.retrieval.search import SearchService
from agentflow.retrieval.tenant_models import TenantModels
from agentflow.runtime.answering import build_answering, build_models
from agentflow.runtime.blobs import build_blobs
from agentflow.runtime.embedding import build_embedder, pooled_embedder
from agentflow.runtime.monitoring import build_monitor
from agentflow.runtime.ocr import ocr_options
from agentflow.runtime.optional import load
from agentflow.runtime.processing import build_dispatch, build_engine, build_executor, build_index
from agentflow.runtime.records import build_event_bus, build_records
from agentflow.runtime.tenant_embedding import (
    build_model_changes,
    build_tenant_models,
    endpoint_guard,
)
from agentflow.settings import (
    Settings,
)
from agentflow.workflows.ingest import ingest_document
from agentflow.workflows.ingest_activities import IngestActivities

log = structlog.get_logger(__name__)


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
    profiles: ProfileIndex  # document profiles, for routing questions
    events: EventLog
    bus: EventBus
    identities: IdentityStore
    authenticator: Authenticator
    limiter: RateLimiter
    audit: Auditor
    passages: PassageSets
    monitor: Monitor  # the monitoring agent (embedded) or a client of `agentflow monitor`
    models: ModelProvider
    engine: WorkflowEngine
    uploads: Uploads
    ingestion: IngestionDispatch
    documents: Documents  # inspect, correct, retry, delete (compare-and-set on status)
    search: SearchService
    agents: dict[AgentName, Agent]  # the role agents this process can serve
    transport: AgentTransport
    questions: Questions
    page_images: PageImages
    tenant_models: TenantModels  # each tenant's embedding model and index generations
    model_changes: ModelChanges  # an admin moves a tenant to another embedding model

    async def start(self) -> None:
        await self.blobs.start()
        warm = getattr(self.executor, "warm", None)
        if warm is not None:
            await warm()  # start the workers now, not on the first upload
        await self.engine.start()
        await self.model_changes.resume()
        await self.ingestion.start()
        await self.questions.resume()

    async def close(self) -> None:
        await self.ingestion.stop()
        await self.engine.shutdown()
        await self.executor.close()
        await self.tenant_models.close()
        await self.index.close()
        await self.profiles.index.close()
        for owner in (self.transport, self.bus, self.monitor, self.models, self.identities,
                      self.audit.log, self.catalog):
            close = getattr(owner, "close", None)
            if close is not None:
                await close()


def build_container(settings: Settings, *, embedder: Embedder | None = None) -> Container:
    """Wire the application: each port's adapter as ``settings`` chooses (the distributed
    profile presets the shared ones, see ``Settings``)."""
    from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
    from agentflow.adapters.sparse.bm25 import Bm25Encoder

    configure_tracing(settings.telemetry.service_name,
                      otlp_endpoint=settings.telemetry.otlp_endpoint)
    if settings.auth.enabled and settings.auth.service_token is None:
        # One secret for this process's own calls (the retrieval agent to the MCP tools).
        auth = settings.auth.model_copy(update={"service_token": SecretStr(
            secrets.token_urlsafe(32))})
        settings = settings.model_copy(update={"auth": auth})
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    ingest = settings.ingest
    blobs = build_blobs(settings)
    catalog, events, identities, limiter, audit_log, passages = build_records(settings)
    audit = Auditor(audit_log)
    extractor = PyMuPdfExtractor()
    ocr = ocr_options(settings)
    executor = build_executor(settings)
    embedder = pooled_embedder(settings, executor, embedder or build_embedder(settings))
    sparse = Bm25Encoder()
    index = build_index(settings, embedder.dimension)
    profiles = ProfileIndex(build_index(settings, embedder.dimension, of="profiles"), embedder, sparse)
    bus = build_event_bus(settings)
    monitor = build_monitor(settings, bus)
    engine = build_engine(settings)
    engine.register_workflow(INGEST_WORKFLOW, ingest_document)
    thumbnails = Thumbnails(blobs=blobs, extractor=extractor, executor=executor)
    guard = endpoint_guard(settings)
    tenant_models = build_tenant_models(settings, identities, embedder, index, guard)
    model_changes = build_model_changes(tenant_models, catalog, sparse, engine, guard)
    IngestActivities(
        catalog=catalog, blobs=blobs, extractor=extractor, executor=executor,
        sparse=sparse, models=tenant_models, events=events, bus=bus, audit=audit,
        chunk_overlap_tokens=ingest.chunk_overlap_tokens,
        extract_timeout_s=ingest.extract_timeout_s, chunk_tokens=ingest.chunk_tokens,
        extract_stage=load("agentflow.ray_tasks.extract").extract_stage(ocr),
        ocr=ocr, pages_per_ocr_task=ingest.pages_per_ocr_task,
        profiles=profiles, thumbnails=thumbnails,
    ).register(engine)
    models = build_models(settings)
    search, agents, transport, questions = build_answering(settings, catalog, embedder, sparse,
                                                      index, events, bus, models, engine, audit,
                                                      passages)
    search.models = tenant_models
    search.router = DocumentRouter(profiles) if settings.query.routing else None
    search.preferred_weight = settings.query.preferred_weight
    search.section_weight = settings.query.section_weight
    search.section_pool = settings.query.section_pool
    uploads = Uploads(catalog=catalog, blobs=blobs, extractor=extractor, executor=executor,
                      max_bytes=ingest.max_upload_bytes, quotas=Quotas(catalog, settings.limits))
    ingestion = build_dispatch(settings, engine, catalog)
    return Container(settings=settings, blobs=blobs, catalog=catalog, extractor=extractor,
                     executor=executor, embedder=embedder, sparse=sparse, index=index,
                     profiles=profiles, events=events, bus=bus, identities=identities,
                     authenticator=Authenticator(settings.auth, identities), limiter=limiter,
                     audit=audit, passages=passages,
                     monitor=monitor, models=models, engine=engine,
                     uploads=uploads,
                     ingestion=ingestion,
                     documents=Documents(
                         catalog=catalog, models=tenant_models, profiles=profiles, blobs=blobs,
                         events=events, ingestion=ingestion, uploads=uploads,
                         thumbnails=thumbnails, max_files_per_request=ingest.max_files_per_request),
                     search=search, agents=agents, transport=transport, questions=questions,
                     page_images=PageImages(catalog=catalog, blobs=blobs, extractor=extractor,
                                            executor=executor),
                     tenant_models=tenant_models, model_changes=model_changes)
