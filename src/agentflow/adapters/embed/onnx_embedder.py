"""``Embedder`` on ONNX Runtime: mean pooling and L2 normalisation, as sentence-transformers.

On few cores the fastest way measured (ADR 0004) is one single-threaded session per core, each
encoding one text per call: no padding, no thread synchronisation inside a call, and the
activations stay in cache. Texts are spread over a pool of ``threads`` workers, each owning its
session; concurrent callers share the pool, so bulk embedding never uses more than ``threads``
cores. Queries take a lane of their own (one more session per core): a question asked during a
bulk upload must not wait behind hundreds of queued chunks, and on an idle server a question's
sentences are embedded on every core.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort

from agentflow.adapters.embed.wordpiece import WordPieceTokenizer


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (or any BERT-style sentence encoder) exported to ONNX."""

    dimension = 384

    def __init__(self, model_path: Path, tokenizer: WordPieceTokenizer, *, name: str,
                 threads: int) -> None:
        self.name = name
        self._tokenizer = tokenizer
        self._model_path = model_path
        self._local = threading.local()
        workers = max(1, threads)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="embed")
        self._interactive = ThreadPoolExecutor(workers, thread_name_prefix="embed-query")
        # Load and warm every worker's session now: a broken model fails at start, and the first
        # upload does not pay for session creation and first-run allocations.
        for pool in (self._pool, self._interactive):
            ready = threading.Barrier(workers)  # one task per thread: every thread warms
            for future in [pool.submit(self._warm, ready) for _ in range(workers)]:
                future.result()

    @property
    def tokenizer(self) -> WordPieceTokenizer:
        return self._tokenizer

    def _session(self) -> ort.InferenceSession:
        session: ort.InferenceSession | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = _session(self._model_path)
        return session

    def _warm(self, ready: threading.Barrier) -> None:
        ready.wait(timeout=120)  # one task per worker thread, so every thread gets a session
        self._one("warm up")

    def _one(self, text: str) -> np.ndarray:
        input_ids = self._tokenizer.model_inputs(text)[np.newaxis, :]
        (hidden,) = self._session().run(None, {
            "input_ids": input_ids, "attention_mask": np.ones_like(input_ids),
            "token_type_ids": np.zeros_like(input_ids),
        })
        pooled = hidden[0].mean(axis=0)  # one text, no padding: every position counts
        vector: np.ndarray = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return vector

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        """Embed, blocking the caller; rows follow the order of ``texts``."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack(list(self._pool.map(self._one, texts))).astype(np.float32)

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        # Await the pool's futures directly: parking a thread of the loop's default executor
        # on them would starve everything else that runs there (catalog, index) under load.
        vectors = await asyncio.gather(
            *(asyncio.wrap_future(self._pool.submit(self._one, text)) for text in texts))
        return [vector.astype(np.float32).tolist() for vector in vectors]

    async def embed_query(self, text: str) -> list[float]:
        vector = await asyncio.wrap_future(self._interactive.submit(self._one, text))
        return vector.astype(np.float32).tolist()  # type: ignore[no-any-return]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._interactive.shutdown(wait=False, cancel_futures=True)
