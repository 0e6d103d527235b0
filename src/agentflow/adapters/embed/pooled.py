"""``Embedder`` whose document embeddings run as a batch stage on the executor's embedding pool.

Documents are what ingestion embeds by the thousand, so they go to the pool (Ray's GPU actors);
a query is one short text on the answer's critical path, so it stays on the local model.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentflow.domain.batches import BatchStage
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.ports.embedder import Embedder, Tokenizer


class PooledEmbedder:
    def __init__(self, local: Embedder, executor: BatchExecutor, stage: BatchStage, *,
                 timeout_s: float = 600.0) -> None:
        self.name = local.name
        self.dimension = local.dimension
        self._local = local
        self._executor = executor
        self._stage = stage
        self._timeout_s = timeout_s

    @property
    def tokenizer(self) -> Tokenizer:
        return self._local.tokenizer

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        rows = await self._executor.map_batches(self._stage, [{"text": text} for text in texts],
                                                timeout_s=self._timeout_s)
        return [[float(value) for value in row["dense"]] for row in rows]

    async def embed_query(self, text: str) -> list[float]:
        return await self._local.embed_query(text)
