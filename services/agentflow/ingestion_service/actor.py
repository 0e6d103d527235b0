"""The ingestion actor: one Dapr actor per document, owning its ``ingest_document`` workflow.

``Ingest`` starts the workflow and registers a reminder. Reminders are persisted by Dapr and fire
even after this service, its sidecar or the workflow engine restarted, so each firing checks the
document: ready or failed, the reminder is dropped; still ingesting, nothing to do; otherwise the
workflow was lost (or ended without settling the document) and is started again, at most
``MAX_STARTS`` times in all, after which the document is marked failed with its reason.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import structlog
from dapr.actor import Actor, ActorInterface, Remindable, actormethod

from agentflow.domain.documents import DocumentError, DocumentStatus, IngestStage
from agentflow.domain.jobs import INGEST_WORKFLOW, IngestInput
from agentflow.domain.workflows import WorkflowStatus
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.workflow_engine import WorkflowEngine

log = structlog.get_logger(__name__)
STATE = "ingestion"
REMINDER = "resume"
MAX_STARTS = 3
_SETTLED = frozenset({DocumentStatus.READY, DocumentStatus.FAILED})


@dataclass
class IngestionServices:
    """What the actors of this process use; set once when the service starts."""

    engine: WorkflowEngine
    catalog: DocumentRecords
    pages_per_task: int = 32
    chunks_per_task: int = 64
    check_every: timedelta = timedelta(seconds=30)


def actor_id(tenant_id: str, document_id: str) -> str:
    return f"{tenant_id}|{document_id}"


class IngestionActorInterface(ActorInterface):
    @actormethod(name="Ingest")  # type: ignore[untyped-decorator]
    @abstractmethod
    async def ingest(self, request: dict[str, Any]) -> dict[str, Any]: ...

    @actormethod(name="Status")  # type: ignore[untyped-decorator]
    @abstractmethod
    async def status(self) -> dict[str, Any]: ...


class IngestionActor(Actor, IngestionActorInterface, Remindable):
    services: ClassVar[IngestionServices | None] = None

    def _ids(self) -> tuple[str, str]:
        tenant_id, document_id = str(self.id).split("|", 1)
        return tenant_id, document_id

    def _services(self) -> IngestionServices:
        if IngestionActor.services is None:
            raise RuntimeError("IngestionActor.services is not set")
        return IngestionActor.services

    async def _start(self, attempt: int, starts: int) -> dict[str, Any]:
        services = self._services()
        tenant_id, document_id = self._ids()
        instance_id = f"ingest-{document_id}-{attempt}" + (f"-r{starts}" if starts > 1 else "")
        document = await services.catalog.get_document(tenant_id, document_id)
        job = IngestInput(tenant_id=tenant_id, document_id=document_id,
                          pages_per_task=services.pages_per_task,
                          chunks_per_task=services.chunks_per_task,
                          traceparent=document.traceparent if document else None)
        await services.engine.schedule_new_workflow(INGEST_WORKFLOW, input=job,
                                                    instance_id=instance_id)
        state = {"instance_id": instance_id, "attempt": attempt, "starts": starts}
        await self._state_manager.set_state(STATE, state)
        await self._state_manager.save_state()
        log.info("ingestion_started", document_id=document_id, tenant_id=tenant_id,
                 instance_id=instance_id, starts=starts)
        return state

    async def ingest(self, request: dict[str, Any]) -> dict[str, Any]:
        """Start ingesting (``{"attempt": n}``, the document's attempt number). Idempotent: an
        attempt already started is left to its workflow and reminder (gateways hand unfinished
        documents over again when they start)."""
        attempt = int(request.get("attempt", 0))
        found, stored = await self._state_manager.try_get_state(STATE)
        if found and stored and int(stored["attempt"]) == attempt:
            return dict(stored)
        state = await self._start(attempt, starts=1)
        every = self._services().check_every
        await self.register_reminder(REMINDER, b"", due_time=every, period=every)
        return state

    async def status(self) -> dict[str, Any]:
        found, state = await self._state_manager.try_get_state(STATE)
        return dict(state) if found and state else {}

    async def receive_reminder(self, name: str, state: bytes, due_time: timedelta,
                               period: timedelta, ttl: timedelta | None = None) -> None:
        if name != REMINDER:
            return
        services = self._services()
        tenant_id, document_id = self._ids()
        found, stored = await self._state_manager.try_get_state(STATE)
        current: dict[str, Any] = dict(stored) if found and stored else {}
        document = await services.catalog.get_document(tenant_id, document_id)
        if not current or document is None or document.status in _SETTLED:
            await self.unregister_reminder(REMINDER)
            return
        workflow = await services.engine.get_workflow_state(current["instance_id"])
        if workflow is not None and workflow.status is WorkflowStatus.RUNNING:
            return  # still ingesting
        if current["starts"] >= MAX_STARTS:
            document.status = DocumentStatus.FAILED
            document.error = DocumentError(
                code="ingestion_lost", stage=IngestStage.EXTRACTING,
                message=f"ingestion was lost {current['starts']} times; retry the document")
            document.updated_at = datetime.now(UTC)
            # Only a document still being ingested is given up (not one deleted meanwhile).
            await services.catalog.save_document_if(
                document, status=[DocumentStatus.PENDING, DocumentStatus.PROCESSING])
            await self.unregister_reminder(REMINDER)
            log.error("ingestion_given_up", document_id=document_id, tenant_id=tenant_id)
            return
        log.warning("ingestion_resumed_by_reminder", document_id=document_id,
                    tenant_id=tenant_id, lost=current["instance_id"],
                    workflow_status=workflow.status.value if workflow else "missing")
        await self._start(int(current["attempt"]), starts=int(current["starts"]) + 1)
