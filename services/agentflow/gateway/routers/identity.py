"""``/v1/me``: who the caller is — what the web console asks first, to know whether to ask for a
key and whether to show the admin view."""

from __future__ import annotations

from fastapi import APIRouter

from agentflow.auth.admin import is_platform_admin
from agentflow.gateway.deps import PrincipalDep
from agentflow.gateway.schemas import CallerView

router = APIRouter(prefix="/v1/me", tags=["identity"])


@router.get("", response_model=CallerView)
async def me(principal: PrincipalDep) -> CallerView:
    """The caller's tenant and role, how it signed in (``local`` when auth is off), and whether
    it may see platform-wide figures."""
    return CallerView(tenant_id=principal.tenant_id, role=principal.role,
                      method=principal.method, platform_admin=is_platform_admin(principal))
