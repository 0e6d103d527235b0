"""``Embedder`` on ONNX Runtime: mean pooling and L2 normalisation, as sentence-transformers.

Batches are sorted by length (less padding) and run one at a time per session: on few cores a
single session using every core is faster than several competing ones, and ONNX Runtime's arena
stays small at batch 16-32.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from agentflow.adapters.embed.wordpiece import WordPieceTokenizer


def _session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (or any BERT-style sentence encoder) exported to ONNX."""

    dimension = 384

    def __init__(
        self, model_path: Path, tokenizer: WordPieceTokenizer, *, name: str, threads: int,
        batch_size: int = 32,
    ) -> None:
        self.name = name
        self._tokenizer = tokenizer
        self._session = _session(model_path, threads)
        self._batch_size = batch_size
        self._lock = threading.Lock()  # one batch at a time; each uses all its threads

    @property
    def tokenizer(self) -> WordPieceTokenizer:
        return self._tokenizer

    def _run(self, texts: list[str]) -> np.ndarray:
        ids, masks = self._tokenizer.batch_inputs(texts)
        input_ids = np.asarray(ids, dtype=np.int64)
        attention = np.asarray(masks, dtype=np.int64)
        with self._lock:
            (hidden,) = self._session.run(None, {
                "input_ids": input_ids, "attention_mask": attention,
                "token_type_ids": np.zeros_like(input_ids),
            })
        weights = attention[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        normalised: np.ndarray = pooled / np.maximum(norms, 1e-12)
        return normalised

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        """Embed on the calling thread; rows follow the order of ``texts``."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), self._batch_size):
            rows = order[begin:begin + self._batch_size]
            out[rows] = self._run([texts[i] for i in rows])
        return out

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = await asyncio.to_thread(self.embed_sync, list(texts))
        return vectors.tolist()  # type: ignore[no-any-return]

    async def embed_query(self, text: str) -> list[float]:
        vectors = await asyncio.to_thread(self.embed_sync, [text])
        return vectors[0].tolist()  # type: ignore[no-any-return]
