"""``Embedder`` for any OpenAI-compatible ``POST {base_url}/embeddings`` endpoint (OpenAI,
vLLM, Ollama, Text Embeddings Inference, ...), through the OpenAI SDK.

Texts go in batches of ``batch_size``; every answer is checked (one vector per text, of the
configured dimension) and L2-normalised, so the index's cosine works for any model. The SDK
retries throttling and server errors with back-off (``max_retries``); what still fails becomes
``EmbeddingFailed`` with the endpoint's reason. Chunks are cut by the shipped model's
tokenizer, whose 254-piece window fits every common embedding model. Redirects are not
followed, and ``check`` (where the URL may point) runs before every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import httpx2 as httpx  # the HTTP client the OpenAI SDK is built on
import numpy as np
import openai
from openai import AsyncOpenAI

from agentflow.domain.embedding_models import EmbeddingModelSpec
from agentflow.domain.errors import AgentFlowError, EmbeddingFailed
from agentflow.ports.embedder import Tokenizer

UrlCheck = Callable[[str], Awaitable[None]]  # raises when a URL may not be called


class _CheckedTransport(httpx.AsyncBaseTransport):
    """Checks each request's URL where it resolves now, then sends it."""

    def __init__(self, check: UrlCheck) -> None:
        self._check = check
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._check(str(request.url))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class OpenAIEmbeddings:
    """One tenant's remote model."""

    def __init__(self, spec: EmbeddingModelSpec, tokenizer: Tokenizer, *,
                 batch_size: int = 64, timeout_s: float = 30.0, max_retries: int = 2,
                 check: UrlCheck | None = None) -> None:
        """Embed with ``spec`` (its base URL, model, dimension and key); ``check`` vets every
        request's URL first."""
        self.name = f"{spec.model}@{spec.base_url}"
        self.dimension = spec.dimension
        self._model = spec.model
        self._tokenizer = tokenizer
        self._batch_size = batch_size
        key = spec.api_key.get_secret_value() if spec.api_key else "not-needed"
        transport: httpx.AsyncBaseTransport | None = _CheckedTransport(check) if check else None
        http = openai.DefaultAsyncHttpxClient(follow_redirects=False, transport=transport)
        self._client = AsyncOpenAI(base_url=spec.base_url, api_key=key, max_retries=max_retries,
                                   timeout=timeout_s, http_client=http)

    @property
    def tokenizer(self) -> Tokenizer:
        return self._tokenizer

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            vectors.extend(await self._batch(list(texts[start:start + self._batch_size])))
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        (vector,) = await self._batch([text])
        return vector

    async def _batch(self, texts: list[str]) -> list[list[float]]:
        try:
            response = await self._client.embeddings.create(
                model=self._model, input=texts, encoding_format="float")
        except openai.APIStatusError as error:
            raise EmbeddingFailed(
                f"the embeddings endpoint answered {error.status_code}: {_reason(error)}",
                status=error.status_code, model=self._model) from None
        except openai.APIError as error:  # connection refused, timed out, not JSON
            raise EmbeddingFailed(f"the embeddings endpoint failed: {error}",
                                  model=self._model) from None
        except AgentFlowError as error:  # the check refused the address: nothing was sent
            raise EmbeddingFailed(f"the embeddings endpoint failed: {error.detail}",
                                  model=self._model) from None
        rows = sorted(response.data, key=lambda item: item.index)
        if len(rows) != len(texts):
            raise EmbeddingFailed(f"the embeddings endpoint returned {len(rows)} vectors for "
                                  f"{len(texts)} texts", model=self._model)
        matrix = np.asarray([row.embedding for row in rows], dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.dimension:
            width = matrix.shape[1] if matrix.ndim == 2 else 0
            raise EmbeddingFailed(f"the embeddings endpoint returned {width}-dimensional "
                                  f"vectors; the model is set to {self.dimension}",
                                  model=self._model)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        if not np.all(np.isfinite(matrix)) or np.any(norms == 0):
            raise EmbeddingFailed("the embeddings endpoint returned an empty or invalid vector",
                                  model=self._model)
        normalised: list[list[float]] = (matrix / norms).tolist()
        return normalised

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._client.close()


def _reason(error: openai.APIStatusError) -> str:
    """The endpoint's own error message when it gives one as JSON; never a raw body (it goes
    back to the admin, and an endpoint may be anything)."""
    body = error.body
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict) and isinstance(detail.get("message"), str):
            return str(detail["message"])[:300]
    return "no error message"
