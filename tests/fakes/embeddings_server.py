"""A scripted OpenAI-compatible embeddings server on loopback, for the real OpenAI SDK.

Its vectors are real: the shipped all-MiniLM-L6-v2 vectors turned by a fixed random rotation
into ``dimension`` numbers (a different space from the built-in one, with the same meaning), so
retrieval through it can be checked for quality, not just shape. A test scripts failures: a
queue of HTTP statuses for the next requests, a delay, vectors of the wrong size or count, a
required key. Every request is recorded.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agentflow.ports.embedder import Embedder


@dataclass
class EmbeddingsServer:
    embedder: Embedder
    dimension: int = 512
    key: str | None = "sk-test-embeddings"
    failures: deque[int] = field(default_factory=deque)  # statuses for the next requests
    delay_s: float = 0.0
    fail_after: int | None = None  # answer this many requests, then fail every one (500)
    wrong_dimension: bool = False
    drop_one: bool = False
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(20261207)
        if self.dimension >= 384:
            # Orthonormal columns: cosines, and so every ranking, are kept exactly.
            self._map, _ = np.linalg.qr(rng.standard_normal((self.dimension, 384)))
        else:  # a random projection keeps them approximately
            self._map = rng.standard_normal((self.dimension, 384)) / np.sqrt(self.dimension)

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    async def _embeddings(self, request: Request) -> JSONResponse:
        body = await request.json()
        texts = body.get("input")
        self.calls.append({"model": body.get("model"), "count": len(texts or []),
                           "authorization": request.headers.get("authorization")})
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.key is not None and request.headers.get("authorization") != f"Bearer {self.key}":
            return _error(401, "Incorrect API key provided")
        if self.fail_after is not None and len(self.calls) > self.fail_after:
            return _error(500, "scripted outage")
        if self.failures:
            status = self.failures.popleft()
            return _error(status, f"scripted failure {status}")
        if not isinstance(texts, list) or not texts:
            return _error(400, "input must be a non-empty list of strings")
        vectors = np.asarray(await self.embedder.embed_documents(texts), dtype=np.float64)
        projected = vectors @ self._map.T
        if self.wrong_dimension:
            projected = projected[:, : self.dimension // 2]
        rows = projected.tolist()
        if self.drop_one:
            rows = rows[:-1]
        return JSONResponse({"object": "list", "model": body.get("model"),
                             "data": [{"object": "embedding", "index": i, "embedding": row}
                                      for i, row in enumerate(rows)],
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/embeddings", self._embeddings, methods=["POST"])])


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "scripted", "code": status}},
                        status_code=status)
