"""``/v1/admin/tenants/{tenant_id}/embedding`` (role admin): a tenant's embedding model.

``GET`` shows the active model and any move under way (``status``, ``done`` of ``total``
documents, ``error``); ``PUT`` moves the tenant to another model, re-embedding its documents in
the background while questions keep using the current vectors (202), or changes nothing but the
key when the model is the same (200). Keys are accepted, never shown. A tenant's admin manages
its own tenant; platform admins any.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from agentflow.auth.admin import is_platform_admin
from agentflow.domain.embedding_models import EmbeddingModelSpec, ReembedStatus, TenantEmbedding
from agentflow.domain.errors import AgentFlowError, Forbidden
from agentflow.domain.identity import TENANT_ID_PATTERN, Principal
from agentflow.gateway.deps import AdminDep, AuditorDep, ModelChangesDep

router = APIRouter(prefix="/v1/admin/tenants", tags=["admin"])
TenantPath = Annotated[str, Path(pattern=TENANT_ID_PATTERN, max_length=64)]


def _allowed(admin: Principal, tenant_id: str) -> None:
    if tenant_id != admin.tenant_id and not is_platform_admin(admin):
        raise Forbidden("admins manage their own tenant's embedding model")


@router.get("/{tenant_id}/embedding")
async def get_embedding(tenant_id: TenantPath, admin: AdminDep,
                        changes: ModelChangesDep) -> TenantEmbedding:
    """The tenant's embedding model, and the move to a new one if any."""
    _allowed(admin, tenant_id)
    return await changes.get(tenant_id)


@router.put("/{tenant_id}/embedding", status_code=status.HTTP_202_ACCEPTED,
            responses={200: {"description": "the model was already this one (key updated)"}})
async def put_embedding(tenant_id: TenantPath, spec: EmbeddingModelSpec, admin: AdminDep,
                        changes: ModelChangesDep, auditor: AuditorDep,
                        response: Response) -> TenantEmbedding:
    """Move the tenant to ``spec``: the shipped model (``{"provider": "builtin"}``) or an
    OpenAI-compatible endpoint (``provider`` ``openai``, ``model``, ``dimension``,
    ``base_url``, ``api_key``). The endpoint is tried first; 400 ``embedding_model_unusable``
    (with its reason) when it fails, 409 while a move to another model is under way."""
    _allowed(admin, tenant_id)
    detail = {"provider": spec.provider.value, "model": spec.model,
              "dimension": spec.dimension, "base_url": spec.base_url or ""}
    try:
        record = await changes.change(tenant_id, spec)
    except AgentFlowError as error:
        await auditor.record(tenant_id, admin.subject, "admin.embedding_model", error.code,
                             detail)
        raise
    await auditor.record(tenant_id, admin.subject, "admin.embedding_model", "ok", detail,
                         strict=True)
    if record.status is not ReembedStatus.RUNNING:
        response.status_code = status.HTTP_200_OK
    return record
