"""The activities of ``move_tenant_model``: embed a page of documents into the target
generation, then switch (or give up), each save compare-and-set on the tenant's record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import structlog

from agentflow.domain.documents import Document, DocumentStatus
from agentflow.domain.embedding_models import MoveRef, ReembedStatus, TenantEmbedding
from agentflow.domain.errors import Conflict
from agentflow.ingestion.listing import every_document
from agentflow.ingestion.vectorising import index_document
from agentflow.ports.chunk_store import ChunkStore
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.workflow_engine import ActivityContext, WorkflowEngine, json_activity
from agentflow.retrieval.tenant_models import ModelChoice, TenantModels
from agentflow.workflows.model_move import (
    MOVE_BATCH,
    MOVE_FAIL,
    MOVE_FINISH,
    MOVE_RETIRE,
    MoveBatch,
    MoveFailure,
    MoveOutcome,
    MoveStep,
    Retirement,
)

log = structlog.get_logger(__name__)
PAGE = 20  # documents per activity: progress moves often, a retry redoes little


class MoveRecords(DocumentRecords, ChunkStore, Protocol):
    """What a move reads: the tenant's documents and their chunks."""


@dataclass
class ModelMoveActivities:
    catalog: MoveRecords
    models: TenantModels
    sparse: SparseEncoder

    def register(self, engine: WorkflowEngine) -> None:
        engine.register_activity(MOVE_BATCH, json_activity(MOVE_BATCH, self.batch))
        engine.register_activity(MOVE_FINISH, json_activity(MOVE_FINISH, self.finish))
        engine.register_activity(MOVE_RETIRE, json_activity(MOVE_RETIRE, self.retire))
        engine.register_activity(MOVE_FAIL, json_activity(MOVE_FAIL, self.fail))

    async def _target(self, job: MoveRef) -> tuple[TenantEmbedding, ModelChoice] | None:
        """The tenant's record and the move's target, or None if the move is not current."""
        record = await self.models.record(job.tenant_id, fresh=True)
        if record.target is None or record.target_generation != job.generation:
            return None
        return record, self.models.choice(job.tenant_id, record.target, job.generation)

    async def _update(self, tenant_id: str, change: Callable[[TenantEmbedding], bool]) -> bool:
        """Apply ``change`` to (a copy of) the stored record and save it, again on a lost race;
        False when ``change`` declines (the move is no longer the tenant's)."""
        for _ in range(20):
            record = (await self.models.record(tenant_id, fresh=True)).model_copy(deep=True)
            revision = record.revision
            if not change(record):
                return False
            record.revision, record.updated_at = revision + 1, datetime.now(UTC)
            if await self.models.store.save_model(record, revision=revision):
                self.models.remember(record)
                return True
        raise Conflict("the tenant's embedding record keeps changing", tenant_id=tenant_id)

    async def batch(self, ctx: ActivityContext, job: MoveBatch) -> MoveStep:
        current = await self._target(job)
        if current is None:
            return MoveStep(next_cursor=None, current=False)
        _, target = current
        documents, cursor = await self.catalog.list_documents(
            job.tenant_id, status=DocumentStatus.READY, cursor=job.cursor, limit=PAGE)
        for document in documents:
            await self._embed(document, target)

        def progressed(record: TenantEmbedding) -> bool:
            if record.target_generation != job.generation:
                return False
            record.done = min(record.total, record.done + len(documents)) \
                if record.total else record.done + len(documents)
            return True

        await self._update(job.tenant_id, progressed)
        log.info("model_move_progress", tenant_id=job.tenant_id, generation=job.generation,
                 documents=len(documents))
        return MoveStep(next_cursor=cursor)

    async def finish(self, ctx: ActivityContext, job: MoveRef) -> MoveOutcome:
        current = await self._target(job)
        if current is None:
            return MoveOutcome(tenant_id=job.tenant_id, status="superseded")
        before, target = current
        # Documents that became ready during the move, and any a retry left short: complete
        # them, so the switch finds every ready document in the new generation.
        ready = 0
        async for document in every_document(self.catalog, job.tenant_id,
                                              status=DocumentStatus.READY):
            ready += 1
            if await target.index.count(job.tenant_id, document.id) != document.chunks:
                await self._embed(document, target)
        old = self.models.choice(job.tenant_id, before.active, before.generation)

        def switched(record: TenantEmbedding) -> bool:
            if record.target is None or record.target_generation != job.generation:
                return False
            record.active, record.generation = record.target, job.generation
            record.target, record.target_generation = None, None
            record.status, record.error = ReembedStatus.IDLE, None
            record.done = record.total = ready
            return True

        if not await self._update(job.tenant_id, switched):
            return MoveOutcome(tenant_id=job.tenant_id, status="superseded")
        log.info("model_move_finished", tenant_id=job.tenant_id, generation=job.generation,
                 documents=ready)
        return MoveOutcome(tenant_id=job.tenant_id, status="moved", retire=Retirement(
            tenant_id=job.tenant_id, generation=old.generation, dimension=old.spec.dimension))

    async def _embed(self, document: Document, target: ModelChoice) -> None:
        """The document's chunks into the target; taken out again if the document was deleted
        meanwhile (its delete removed the vectors it knew of before these were written)."""
        chunks = await self.catalog.get_chunks(document.tenant_id, document.id)
        await index_document(document, chunks, target, self.sparse)
        if await self.catalog.get_document(document.tenant_id, document.id) is None:
            await target.index.delete_document(document.tenant_id, document.id)

    async def retire(self, ctx: ActivityContext, left: Retirement) -> MoveOutcome:
        """Remove the generation the tenant left: drop its own index, or take the tenant's
        points out of the shared one. Idempotent: a retry finishes what a failure left."""
        if left.generation != 0:
            await self.models.drop(left.tenant_id, left.generation, left.dimension)
        else:
            async for document in every_document(self.catalog, left.tenant_id):
                await self.models.shared.delete_document(left.tenant_id, document.id)
        log.info("model_generation_retired", tenant_id=left.tenant_id,
                 generation=left.generation)
        return MoveOutcome(tenant_id=left.tenant_id, status="moved")

    async def fail(self, ctx: ActivityContext, failure: MoveFailure) -> MoveOutcome:
        current = await self._target(failure)
        if current is None:
            return MoveOutcome(tenant_id=failure.tenant_id, status="superseded")
        _, target = current

        def failed(record: TenantEmbedding) -> bool:
            if record.target_generation != failure.generation:
                return False
            record.target, record.target_generation = None, None
            record.status, record.error = ReembedStatus.FAILED, failure.message[:500]
            return True

        await self._update(failure.tenant_id, failed)
        await self.models.drop(failure.tenant_id, failure.generation, target.spec.dimension)
        log.warning("model_move_failed", tenant_id=failure.tenant_id,
                    generation=failure.generation, error=failure.message)
        return MoveOutcome(tenant_id=failure.tenant_id, status="failed")
