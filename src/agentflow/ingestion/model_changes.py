"""Changing a tenant's embedding model: check the endpoint, open a new generation, start the
move in the background, and resume unfinished moves at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from agentflow.domain.documents import DocumentStatus
from agentflow.domain.embedding_models import (
    MOVE_WORKFLOW,
    EmbeddingModelSpec,
    MoveRef,
    ReembedStatus,
    TenantEmbedding,
    move_instance_id,
)
from agentflow.domain.errors import Conflict, EmbeddingFailed, UnusableEmbeddingModel
from agentflow.ingestion.endpoint_guard import EndpointGuard
from agentflow.ingestion.listing import every_document
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.workflow_engine import WorkflowEngine
from agentflow.retrieval.tenant_models import TenantModels

log = structlog.get_logger(__name__)
PROBE_TEXT = "AgentFlow checks that this embedding model answers."


@dataclass
class ModelChanges:
    """What an admin does with a tenant's embedding model."""

    models: TenantModels
    engine: WorkflowEngine
    catalog: DocumentRecords
    guard: EndpointGuard = field(default_factory=EndpointGuard)  # where endpoints may be

    async def get(self, tenant_id: str) -> TenantEmbedding:
        """The tenant's model, and its move if one is under way or failed."""
        return await self.models.record(tenant_id, fresh=True)

    async def change(self, tenant_id: str, spec: EmbeddingModelSpec) -> TenantEmbedding:
        """Move the tenant to ``spec``: its documents are embedded again in the background
        while questions keep using the current vectors. Asking for the model already active
        (or already being moved to) changes nothing but its key. The endpoint is tried first:
        one that fails, or that points at an internal address the operator did not allow,
        raises ``UnusableEmbeddingModel`` and nothing changes."""
        record = await self.models.record(tenant_id, fresh=True)
        if record.status is ReembedStatus.RUNNING:
            if record.target is not None and record.target.same_model(spec):
                return await self._save(record, target=spec)
            raise Conflict("the tenant is still moving to another embedding model; wait for it "
                           "to finish", tenant_id=tenant_id)
        if record.active.same_model(spec):
            return await self._save(record, active=spec, status=ReembedStatus.IDLE, error=None)
        if spec.base_url is not None:
            await self.guard.check(spec.base_url)
        try:
            await self.models.embedder(spec).embed_query(PROBE_TEXT)
        except EmbeddingFailed as error:
            raise UnusableEmbeddingModel(f"the model failed its check: {error.detail}",
                                         model=spec.model) from None
        generation = max(record.last_generation, record.generation) + 1
        moving = await self._save(
            record, target=spec, target_generation=generation, last_generation=generation,
            status=ReembedStatus.RUNNING, done=0, total=await self._ready(tenant_id),
            error=None)
        try:
            await self._start(moving)
        except BaseException:  # not started: the tenant must not stay "running" for nothing
            await self._save(moving, target=None, target_generation=None,
                             status=ReembedStatus.FAILED, error="the move could not be started")
            raise
        log.info("model_move_started", tenant_id=tenant_id, generation=generation,
                 model=spec.model, provider=spec.provider.value)
        return moving

    async def resume(self) -> None:
        """Start again every move a restart interrupted (each generation's workflow once)."""
        for record in await self.models.store.list_models():
            if record.status is ReembedStatus.RUNNING and record.target_generation is not None:
                await self._start(record)

    async def _start(self, record: TenantEmbedding) -> None:
        assert record.target_generation is not None
        await self.engine.schedule_new_workflow(
            MOVE_WORKFLOW, input=MoveRef(tenant_id=record.tenant_id,
                                         generation=record.target_generation),
            instance_id=move_instance_id(record.tenant_id, record.target_generation))

    async def _save(self, record: TenantEmbedding, **changes: object) -> TenantEmbedding:
        updated = record.model_copy(update={**changes, "revision": record.revision + 1,
                                            "updated_at": datetime.now(UTC)})
        if not await self.models.store.save_model(updated, revision=record.revision):
            raise Conflict("the tenant's embedding model changed meanwhile; read it again",
                           tenant_id=record.tenant_id)
        self.models.remember(updated)
        return updated

    async def _ready(self, tenant_id: str) -> int:
        return len([d async for d in every_document(self.catalog, tenant_id,
                                                    status=DocumentStatus.READY)])
