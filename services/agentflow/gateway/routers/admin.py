"""``/v1/admin``: tenants and API keys (role admin). The same operations as ``agentflow admin``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from agentflow.domain.identity import AuditEntry, Tenant
from agentflow.gateway.deps import AdminDep, AuditLogDep, IdentityAdminDep
from agentflow.gateway.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyView, TenantCreate

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post("/tenants", status_code=status.HTTP_201_CREATED)
async def create_tenant(body: TenantCreate, admin: AdminDep, service: IdentityAdminDep) -> Tenant:
    return await service.create_tenant(body.name, by=admin)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
async def create_api_key(body: ApiKeyCreate, admin: AdminDep,
                         service: IdentityAdminDep) -> ApiKeyCreated:
    secret, record = await service.create_key(
        body.tenant_id or admin.tenant_id, body.role, by=admin)
    return ApiKeyCreated(**ApiKeyView.of(record).model_dump(), key=secret)


@router.get("/api-keys")
async def list_api_keys(admin: AdminDep, service: IdentityAdminDep) -> list[ApiKeyView]:
    keys = await service.list_keys(admin.tenant_id, by=admin)
    return [ApiKeyView.of(key) for key in keys]


@router.delete("/api-keys/{key_id}")
async def revoke_api_key(key_id: str, admin: AdminDep, service: IdentityAdminDep) -> ApiKeyView:
    return ApiKeyView.of(await service.revoke_key(key_id, by=admin))


@router.get("/audit")
async def audit(admin: AdminDep, log: AuditLogDep,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                before: Annotated[str | None, Query(pattern=r"^[0-9]{1,20}(-[0-9]{1,20})?$",
                                                    description="an entry id: older ones")] = None,
                ) -> list[AuditEntry]:
    """The tenant's audit log, newest first (read-only: no route changes an entry)."""
    return await log.page(admin.tenant_id, limit=limit, before=before)
