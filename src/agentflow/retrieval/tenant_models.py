"""Each tenant's embedding model and the index of its vectors.

A tenant on the shipped model (generation 0) shares the platform's collection; a tenant that
moved has a collection of its own per generation, of its model's dimension. Ingestion writes to
the active generation and, while a move is under way, to the target generation too; questions
read the active one only, so they never see a half-filled index.

Records are read through a short cache (``ttl_s``), so a move made on another replica is seen
within seconds; embedders and indexes are built once per model and generation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from agentflow.domain.embedding_models import EmbeddingModelSpec, EmbeddingProvider, TenantEmbedding
from agentflow.ports.embedder import Embedder
from agentflow.ports.tenant_models import TenantModelStore
from agentflow.ports.vector_index import VectorIndex
from agentflow.retrieval.sentences import SentenceVectors

QUERY_VECTORS = 1024  # question vectors kept per endpoint model
RemoteEmbedders = Callable[[EmbeddingModelSpec, Embedder], Embedder]  # spec, built-in -> model
GenerationIndexes = Callable[[str, int], VectorIndex]  # name, dimension -> index


def generation_name(tenant_id: str, generation: int) -> str:
    """The index name of a tenant's generation (beside the shared one)."""
    return f"tenant-{tenant_id}-g{generation}"


@dataclass(frozen=True)
class ModelChoice:
    """One generation of a tenant: its model, embedder and index."""

    spec: EmbeddingModelSpec
    generation: int
    embedder: Embedder
    index: VectorIndex

    @property
    def builtin(self) -> bool:
        """Whether vectors come from the shipped model (queries may use its shared cache)."""
        return self.spec.provider is EmbeddingProvider.BUILTIN


@dataclass(frozen=True)
class TenantVectors:
    """Where a tenant's vectors go: the active generation, and the target during a move."""

    record: TenantEmbedding
    active: ModelChoice
    target: ModelChoice | None

    def generations(self) -> list[ModelChoice]:
        """The active generation, then the target if there is one."""
        return [self.active, *([self.target] if self.target else [])]


class TenantModels:
    """Resolves a tenant to its models and indexes (see the module docstring)."""

    def __init__(self, store: TenantModelStore, builtin: Embedder, shared: VectorIndex, *,
                 remote: RemoteEmbedders, indexes: GenerationIndexes,
                 ttl_s: float = 2.0) -> None:
        """``builtin`` and ``shared`` serve generation 0; ``remote`` builds an endpoint's
        embedder, ``indexes`` a generation's index."""
        self.store = store
        self.builtin = builtin
        self.shared = shared
        self._remote = remote
        self._indexes = indexes
        self._ttl_s = ttl_s
        self._records: dict[str, tuple[float, TenantEmbedding]] = {}
        self._embedders: dict[str, Embedder] = {}
        self._query_vectors: dict[str, SentenceVectors] = {}
        self._opened: dict[tuple[str, int], VectorIndex] = {}

    async def record(self, tenant_id: str, *, fresh: bool = False) -> TenantEmbedding:
        """The tenant's record (a default one when it never moved)."""
        cached = self._records.get(tenant_id)
        if cached is not None and not fresh and time.monotonic() - cached[0] < self._ttl_s:
            return cached[1]
        record = await self.store.get_model(tenant_id) or TenantEmbedding(tenant_id=tenant_id)
        self._records[tenant_id] = (time.monotonic(), record)
        return record

    def remember(self, record: TenantEmbedding) -> None:
        """Use ``record`` from now on in this process (it was just saved)."""
        self._records[record.tenant_id] = (time.monotonic(), record)

    async def vectors(self, tenant_id: str, *, fresh: bool = False) -> TenantVectors:
        """The tenant's active generation and target (if moving); ``fresh`` reads the store,
        not the cache."""
        record = await self.record(tenant_id, fresh=fresh)
        target = None
        if record.target is not None and record.target_generation is not None:
            target = self.choice(tenant_id, record.target, record.target_generation)
        return TenantVectors(record=record, target=target,
                             active=self.choice(tenant_id, record.active, record.generation))

    async def active(self, tenant_id: str) -> ModelChoice:
        """The generation questions read."""
        return (await self.vectors(tenant_id)).active

    def choice(self, tenant_id: str, spec: EmbeddingModelSpec, generation: int) -> ModelChoice:
        """Generation ``generation`` of the tenant, made with ``spec``."""
        if generation == 0:
            return ModelChoice(spec=spec, generation=0, embedder=self.builtin, index=self.shared)
        return ModelChoice(spec=spec, generation=generation, embedder=self.embedder(spec),
                           index=self.index(tenant_id, generation, spec.dimension))

    def embedder(self, spec: EmbeddingModelSpec) -> Embedder:
        """The embedder of ``spec`` (built once per model and key)."""
        if spec.provider is EmbeddingProvider.BUILTIN:
            return self.builtin
        key = spec.model_dump_json(context={"secrets": True})  # a new key: a new client
        if key not in self._embedders:
            self._embedders[key] = self._remote(spec, self.builtin)
        return self._embedders[key]

    def query_vectors(self, spec: EmbeddingModelSpec) -> SentenceVectors:
        """A text-vector cache of ``spec``'s model, for question vectors (one per model)."""
        key = spec.model_dump_json(context={"secrets": True})
        if key not in self._query_vectors:
            self._query_vectors[key] = SentenceVectors(self.embedder(spec),
                                                       capacity=QUERY_VECTORS)
        return self._query_vectors[key]

    def index(self, tenant_id: str, generation: int, dimension: int) -> VectorIndex:
        """The index of a tenant's generation (opened once)."""
        if generation == 0:
            return self.shared
        if (tenant_id, generation) not in self._opened:
            self._opened[tenant_id, generation] = self._indexes(
                generation_name(tenant_id, generation), dimension)
        return self._opened[tenant_id, generation]

    async def drop(self, tenant_id: str, generation: int, dimension: int) -> None:
        """Delete a generation the tenant left (the shared one only loses its points, which
        the caller removes document by document)."""
        if generation == 0:
            return
        index = self.index(tenant_id, generation, dimension)
        self._opened.pop((tenant_id, generation), None)
        await index.drop()

    async def close(self) -> None:
        """Release every generation index and endpoint client this process opened."""
        for index in self._opened.values():
            await index.close()
        self._opened.clear()
        for embedder in self._embedders.values():
            close = getattr(embedder, "close", None)
            if close is not None:
                await close()
        self._embedders.clear()
        self._query_vectors.clear()
