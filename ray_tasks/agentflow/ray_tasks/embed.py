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
from agentflow.runtime.embedding import embedder_for
from agentflow.settings import EmbeddingBackend, EmbeddingSettings


def embed_stage(*, batch_size: int, cache_dir: str, device: str = "cpu",
                embedding: EmbeddingSettings | None = None) -> BatchStage:
    """The stage with what its workers run, chosen by the composition root: the embedding
    settings (the workers' own thread count aside) and ``cache_dir``, where they keep the
    exported ONNX model (shared with the server when they share its disk)."""
    chosen = (embedding or EmbeddingSettings()).model_dump_json(exclude={"threads"})
    return BatchStage(name="embed", factory=EmbedTexts, pool=PoolKind.GPU, batch_size=batch_size,
                      options=(("device", device), ("cache_dir", cache_dir),
                               ("embedding", chosen)))


class EmbedTexts:
    """Column ``text`` -> ``dense`` (float32, one L2-normalised row per text)."""

    def __init__(self, cache_dir: str, device: str = "cpu", embedding: str = "{}") -> None:
        # Built from what the stage carries, never from this worker's environment.
        settings = EmbeddingSettings.model_validate_json(embedding)
        if device == "cuda":
            settings = settings.model_copy(update={"backend": EmbeddingBackend.TORCH})
        self.device = device
        self._embedder: Embedder = embedder_for(settings, Path(cache_dir), device=device)

    def __call__(self, batch: dict[str, Sequence[Any]]) -> dict[str, Any]:
        texts = [str(text) for text in batch["text"]]
        dense: np.ndarray = self._embedder.embed_sync(texts)  # type: ignore[attr-defined]
        return {"dense": dense}
