"""Embedder contract on an OpenAI-compatible endpoint (the real OpenAI SDK against a scripted
server on loopback): vectors of the configured dimension, normalised, ranked as the model
ranks; and every way the endpoint can fail becomes ``EmbeddingFailed`` with its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest
from pydantic import SecretStr

from agentflow.adapters.embed.openai_embeddings import OpenAIEmbeddings
from agentflow.domain.embedding_models import EmbeddingModelSpec, EmbeddingProvider
from agentflow.domain.errors import EmbeddingFailed
from agentflow.ports.embedder import Embedder
from tests.fakes.embeddings_server import EmbeddingsServer
from tests.live import serving

TEXTS = ["Net sales increased 2% year over year, driven by Services.",
         "The committee approved a share repurchase program of $90 billion.",
         "Rain is expected tomorrow."]


@pytest.fixture
async def endpoint(embedder: Embedder) -> AsyncIterator[tuple[EmbeddingsServer, str]]:
    server = EmbeddingsServer(embedder)
    async with serving(server.app()) as base:
        yield server, f"{base}/v1"


def remote(base_url: str, embedder: Embedder, *, key: str = "sk-test-embeddings",
           dimension: int = 512, **options: object) -> OpenAIEmbeddings:
    spec = EmbeddingModelSpec(provider=EmbeddingProvider.OPENAI, model="scripted-embed",
                              dimension=dimension, base_url=base_url, api_key=SecretStr(key))
    return OpenAIEmbeddings(spec, embedder.tokenizer, **options)  # type: ignore[arg-type]


async def test_vectors_have_the_dimension_and_the_models_meaning(
        endpoint: tuple[EmbeddingsServer, str], embedder: Embedder) -> None:
    server, base = endpoint
    model = remote(base, embedder, batch_size=2)
    docs = np.asarray(await model.embed_documents(TEXTS))
    assert docs.shape == (3, 512) and model.dimension == 512
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    query = np.asarray(await model.embed_query("Will it rain tomorrow?"))
    assert int(np.argmax(docs @ query)) == 2
    # The same cosines as the built-in model's (the scripted space is a rotation of it).
    builtin = np.asarray(await embedder.embed_documents(TEXTS))
    assert np.allclose(docs @ docs.T, builtin @ builtin.T, atol=1e-4)
    assert [c["count"] for c in server.calls] == [2, 1, 1]  # batches of 2, then the query
    assert server.calls[0]["authorization"] == "Bearer sk-test-embeddings"
    assert await model.embed_documents([]) == []
    await model.close()


@pytest.mark.parametrize(("script", "reason"), [
    ({"failures": [500, 500, 500]}, "answered 500: scripted failure 500"),
    ({"failures": [400]}, "answered 400"),
    ({"key": "another"}, "answered 401: Incorrect API key"),
    ({"wrong_dimension": True}, "256-dimensional vectors; the model is set to 512"),
    ({"drop_one": True}, "returned 2 vectors for 3 texts"),
])
async def test_every_failure_is_an_embedding_failure_with_its_reason(
        endpoint: tuple[EmbeddingsServer, str], embedder: Embedder,
        script: dict[str, object], reason: str) -> None:
    server, base = endpoint
    for name, value in script.items():
        if name == "failures":
            server.fail_next(*value)  # type: ignore[misc]
        else:
            setattr(server, name, value)
    model = remote(base, embedder, max_retries=2)
    with pytest.raises(EmbeddingFailed, match=reason):
        await model.embed_documents(TEXTS)
    await model.close()


async def test_throttling_and_server_errors_are_retried(
        endpoint: tuple[EmbeddingsServer, str], embedder: Embedder) -> None:
    server, base = endpoint
    server.fail_next(429, 503)
    model = remote(base, embedder, max_retries=2)
    assert len(await model.embed_documents(TEXTS)) == 3
    assert len(server.calls) == 3
    await model.close()


async def test_an_unreachable_or_slow_endpoint_fails_in_bounded_time(
        endpoint: tuple[EmbeddingsServer, str], embedder: Embedder) -> None:
    from tests.server import free_port

    with pytest.raises(EmbeddingFailed, match="failed"):
        await remote(f"http://127.0.0.1:{free_port()}/v1", embedder, max_retries=0
                     ).embed_query("x")
    server, base = endpoint
    server.delay_s = 2.0
    with pytest.raises(EmbeddingFailed, match="timed out"):
        await remote(base, embedder, max_retries=0, timeout_s=0.3).embed_query("x")


async def test_every_request_is_vetted_where_its_host_points(
        endpoint: tuple[EmbeddingsServer, str], embedder: Embedder) -> None:
    from agentflow.ingestion.endpoint_guard import EndpointGuard

    server, base = endpoint
    allowed = remote(base, embedder, check=EndpointGuard.allowing(["127.0.0.1/32"]).check)
    assert len(await allowed.embed_query("allowed")) == 512
    # The same endpoint once its address is no longer allowed (a name that now resolves to an
    # internal address): refused before anything is sent.
    calls = len(server.calls)
    refused = remote(base, embedder, check=EndpointGuard().check, max_retries=0)
    with pytest.raises(EmbeddingFailed, match="internal address"):
        await refused.embed_query("refused")
    assert len(server.calls) == calls
    await allowed.close()
    await refused.close()


async def test_redirects_are_not_followed(
        endpoint: tuple[EmbeddingsServer, str], embedder: Embedder) -> None:
    from starlette.applications import Starlette
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    server, base = endpoint

    async def elsewhere(_: object) -> RedirectResponse:
        return RedirectResponse(f"{base}/embeddings", status_code=307)

    app = Starlette(routes=[Route("/v1/embeddings", elsewhere, methods=["POST"])])
    async with serving(app) as redirecting:
        model = remote(f"{redirecting}/v1", embedder, max_retries=0)
        with pytest.raises(EmbeddingFailed, match="answered 307"):
            await model.embed_query("where to?")
        await model.close()
    assert server.calls == []
