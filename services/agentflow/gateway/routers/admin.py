"""``/v1/admin``: tenants and API keys (role admin). The same operations as ``agentflow admin``."""

from __future__ import annotations

from fastapi import APIRouter, status

from agentflow.auth.admin import IdentityAdmin
from agentflow.domain.identity import Tenant
from agentflow.gateway.deps import AdminDep, ContainerDep
from agentflow.gateway.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyView, TenantCreate

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post("/tenants", status_code=status.HTTP_201_CREATED)
async def create_tenant(body: TenantCreate, admin: AdminDep, container: ContainerDep) -> Tenant:
    return await IdentityAdmin(container.identities).create_tenant(body.name, by=admin)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
async def create_api_key(body: ApiKeyCreate, admin: AdminDep,
                         container: ContainerDep) -> ApiKeyCreated:
    secret, record = await IdentityAdmin(container.identities).create_key(
        body.tenant_id or admin.tenant_id, body.role, by=admin)
    return ApiKeyCreated(**ApiKeyView.of(record).model_dump(), key=secret)


@router.get("/api-keys")
async def list_api_keys(admin: AdminDep, container: ContainerDep) -> list[ApiKeyView]:
    keys = await IdentityAdmin(container.identities).list_keys(admin.tenant_id, by=admin)
    return [ApiKeyView.of(key) for key in keys]


@router.delete("/api-keys/{key_id}")
async def revoke_api_key(key_id: str, admin: AdminDep, container: ContainerDep) -> ApiKeyView:
    return ApiKeyView.of(await IdentityAdmin(container.identities).revoke_key(key_id, by=admin))
