"""Embedding as a batch stage: texts in, vectors out, the model resident in each worker.

On the GPU pool each actor holds the PyTorch model on its GPU (``device="cuda"``, chosen by the
container when the pool asks for GPUs) and takes large batches; with ``device="cpu"`` the same
class runs the ONNX model the embedded path uses (importing PyTorch alone would cost seconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agentflow.domain.batches import BatchStage, PoolKind
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_embedder
from agentflow.settings import EmbeddingBackend, Settings

FACTORY = f"{__name__}:EmbedTexts"


def embed_stage(*, batch_size: int, device: str = "cpu", cache_dir: str = "") -> BatchStage:
    """``cache_dir``: where workers keep the exported ONNX model (default: their own
    ``{data_dir}/models``); shared with the server when they share its disk."""
    return BatchStage(name="embed", factory=FACTORY, pool=PoolKind.GPU, batch_size=batch_size,
                      options=(("device", device), ("cache_dir", cache_dir)))


class EmbedTexts:
    """Column ``text`` -> ``dense`` (float32, one L2-normalised row per text)."""

    def __init__(self, device: str = "cpu", cache_dir: str = "") -> None:
        settings = Settings()  # the worker's environment: model and data directories
        update: dict[str, object] = {"cache_dir": Path(cache_dir)} if cache_dir else {}
        if device == "cuda":
            update["backend"] = EmbeddingBackend.TORCH
        embedding = settings.embedding.model_copy(update=update)
        settings = settings.model_copy(update={"embedding": embedding})
        self.device = device
        self._embedder: Embedder = build_embedder(settings, device=device)

    def __call__(self, batch: dict[str, Sequence[Any]]) -> dict[str, Any]:
        texts = [str(text) for text in batch["text"]]
        dense: np.ndarray = self._embedder.embed_sync(texts)  # type: ignore[attr-defined]
        return {"dense": dense}
