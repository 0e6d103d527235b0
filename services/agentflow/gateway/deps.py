"""``Annotated`` dependencies of the routers: the services and stores each uses, the caller and
its tenant. This module is the only part of the gateway that reads the container; routers take
what they need from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from agentflow.answering.page_images import PageImages
from agentflow.answering.questions import Questions
from agentflow.auth.admin import IdentityAdmin
from agentflow.auth.authenticator import Authenticator
from agentflow.domain.errors import Forbidden, RateLimited, Unauthenticated
from agentflow.domain.identity import Principal
from agentflow.domain.tenancy import DEFAULT_TENANT
from agentflow.gateway.tenancy import principal_from_headers
from agentflow.ingestion.documents import Documents
from agentflow.ingestion.model_changes import ModelChanges
from agentflow.observability import metrics
from agentflow.observability.audit import Auditor
from agentflow.ports.audit_log import AuditLog
from agentflow.ports.footprints import Footprints
from agentflow.ports.identity_store import IdentityStore
from agentflow.ports.ingestion_dispatch import IngestionDispatch
from agentflow.ports.monitor import Monitor
from agentflow.ports.usage_ledger import UsageLedger
from agentflow.runtime.container import Container
from agentflow.runtime.readiness import Check, store_checks
from agentflow.settings import Settings


def get_container(connection: HTTPConnection) -> Container:
    container: Container = connection.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_readiness_checks(container: ContainerDep) -> dict[str, Check]:
    return store_checks(container)


ReadinessChecksDep = Annotated[dict[str, Check], Depends(get_readiness_checks)]


def get_authenticator(container: ContainerDep) -> Authenticator:
    return container.authenticator


AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]


def get_model_changes(container: ContainerDep) -> ModelChanges:
    return container.model_changes


ModelChangesDep = Annotated[ModelChanges, Depends(get_model_changes)]


def get_auditor(container: ContainerDep) -> Auditor:
    return container.audit


AuditorDep = Annotated[Auditor, Depends(get_auditor)]


def get_documents(container: ContainerDep) -> Documents:
    return container.documents


DocumentsDep = Annotated[Documents, Depends(get_documents)]


def get_questions(container: ContainerDep) -> Questions:
    return container.questions


QuestionsDep = Annotated[Questions, Depends(get_questions)]


def get_page_images(container: ContainerDep) -> PageImages:
    return container.page_images


PageImagesDep = Annotated[PageImages, Depends(get_page_images)]


def get_settings(container: ContainerDep) -> Settings:
    return container.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_identity_admin(container: ContainerDep) -> IdentityAdmin:
    return IdentityAdmin(container.identities, container.audit)


IdentityAdminDep = Annotated[IdentityAdmin, Depends(get_identity_admin)]


def get_audit_log(container: ContainerDep) -> AuditLog:
    return container.audit.log


AuditLogDep = Annotated[AuditLog, Depends(get_audit_log)]


def get_monitor(container: ContainerDep) -> Monitor:
    return container.monitor


MonitorDep = Annotated[Monitor, Depends(get_monitor)]


def get_usage_ledger(container: ContainerDep) -> UsageLedger:
    return container.catalog


UsageLedgerDep = Annotated[UsageLedger, Depends(get_usage_ledger)]


@dataclass(frozen=True)
class Gauges:
    """What the metrics scrape refreshes its gauges from."""

    identities: IdentityStore
    footprints: Footprints
    ingestion: IngestionDispatch
    settings: Settings


def get_gauges(container: ContainerDep) -> Gauges:
    return Gauges(container.identities, container.catalog, container.ingestion,
                  container.settings)


GaugesDep = Annotated[Gauges, Depends(get_gauges)]


async def get_principal(request: Request, container: ContainerDep) -> Principal:
    """The authenticated caller, within its tenant's request rate (429 beyond it)."""
    try:
        principal = await principal_from_headers(container.authenticator, request.headers)
    except Unauthenticated as error:
        # Recorded for the platform's admins (tenant default): no tenant is proven here.
        await container.audit.record(DEFAULT_TENANT, "anonymous", "auth.failed", "denied", {
            "reason": error.detail, "method": request.method, "path": request.url.path[:200],
            "client": request.client.host if request.client else None})
        raise
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(tenant_id=principal.tenant_id)
    per_minute = container.settings.auth.requests_per_minute
    if per_minute and principal.method != "local":
        decision = await container.limiter.take(
            f"requests:{principal.tenant_id}", capacity=per_minute, rate_per_s=per_minute / 60)
        if not decision.allowed:
            metrics.rate_limited.labels(tenant=principal.tenant_id).inc()
            raise RateLimited(f"more than {per_minute} requests per minute for this tenant",
                              retry_after_s=decision.retry_after_s, limit=per_minute)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_tenant_id(principal: PrincipalDep) -> str:
    return principal.tenant_id


async def get_admin(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise Forbidden("this needs the admin role", role=principal.role.value)
    return principal


TenantDep = Annotated[str, Depends(get_tenant_id)]
AdminDep = Annotated[Principal, Depends(get_admin)]
