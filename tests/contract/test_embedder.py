"""Embedder contract: every runtime gives the model's vectors (checked against PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest

from agentflow.adapters.embed.torch_embedder import TorchEmbedder
from agentflow.adapters.embed.wordpiece import WordPieceTokenizer
from agentflow.ports.embedder import Embedder
from agentflow.runtime.embedding import build_embedder, default_model_dir
from agentflow.settings import EmbeddingBackend, EmbeddingSettings, Settings
from tests.conftest import MODEL_CACHE

TEXTS = [
    "Net sales increased 2% year over year, driven by Services.",
    "The committee approved a share repurchase program of $90 billion.",
    "Rain is expected tomorrow.",
    " ".join(["Operating expenses rose because of research and development."] * 60),  # > window
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    tokenizer = WordPieceTokenizer(default_model_dir(), max_tokens=254)
    return TorchEmbedder(default_model_dir(), tokenizer, name="ref").embed_sync(TEXTS)


def runtime(backend: EmbeddingBackend) -> Embedder:
    return build_embedder(Settings(embedding=EmbeddingSettings(backend=backend,
                                                               cache_dir=MODEL_CACHE)))


@pytest.mark.parametrize(("backend", "min_cosine"), [
    (EmbeddingBackend.ONNX_INT8, 0.98), (EmbeddingBackend.ONNX_FP32, 0.9999),
    (EmbeddingBackend.TORCH, 0.9999),
])
async def test_vectors_match_the_pytorch_model(backend: EmbeddingBackend, min_cosine: float,
                                               reference: np.ndarray) -> None:
    embedder = runtime(backend)
    vectors = np.asarray(await embedder.embed_documents(TEXTS))
    assert vectors.shape == (len(TEXTS), embedder.dimension) == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= min_cosine, cosines


async def test_query_and_documents_agree_and_rank_sensibly(embedder: Embedder) -> None:
    docs = np.asarray(await embedder.embed_documents(TEXTS[:3]))
    query = np.asarray(await embedder.embed_query("Will it rain tomorrow?"))
    assert int(np.argmax(docs @ query)) == 2
    alone = np.asarray(await embedder.embed_query(TEXTS[0]))
    assert float(alone @ docs[0]) > 0.9999  # a vector does not depend on its batch mates
    assert await embedder.embed_documents([]) == []


def test_the_tokenizer_counts_word_pieces_without_special_tokens(embedder: Embedder) -> None:
    tokenizer = embedder.tokenizer
    assert tokenizer.max_tokens == 254
    assert tokenizer.count("hello world") == 2
    assert tokenizer.pieces(["hello world", "hi"]) == [([7592, 2088], [(0, 5), (6, 11)]),
                                                       ([7632], [(0, 2)])]


@pytest.mark.parametrize("executor_kind", ["process-pool", "ray"])
async def test_pooled_embeddings_are_the_local_models(
        executor_kind: str, embedder: Embedder, reference: np.ndarray,
        request: pytest.FixtureRequest) -> None:
    """Documents embedded by the embedding stage on a pool (Ray's GPU pool when distributed)
    are the vectors the local model gives; queries stay local."""
    from agentflow.adapters.batch.process_pool import ProcessPoolBatchExecutor
    from agentflow.adapters.embed.pooled import PooledEmbedder
    from agentflow.ports.batch_executor import BatchExecutor
    from agentflow.ray_tasks.embed import embed_stage

    executor: BatchExecutor
    if executor_kind == "ray":
        request.getfixturevalue("ray_session")
        from agentflow.ray_tasks.executor import RayBatchExecutor

        executor = RayBatchExecutor()
    else:
        executor = ProcessPoolBatchExecutor(workers=1)
    pooled = PooledEmbedder(embedder, executor,
                            embed_stage(batch_size=3, cache_dir=str(MODEL_CACHE)))
    try:
        vectors = np.asarray(await pooled.embed_documents(TEXTS))
        local = np.asarray(await embedder.embed_documents(TEXTS))
    finally:
        await executor.close()
    assert vectors.shape == (4, 384)
    assert np.allclose(vectors, local, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() >= 0.98
    assert await pooled.embed_documents([]) == []
    assert await pooled.embed_query("rain") == await embedder.embed_query("rain")
