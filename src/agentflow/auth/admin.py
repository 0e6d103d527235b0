"""Tenant and API-key administration: one implementation behind the admin CLI and
``/v1/admin``. Platform admins are the admins of the ``default`` tenant: they manage tenants and
any tenant's keys; a tenant's admins manage that tenant's keys."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from agentflow.auth.api_keys import new_api_key
from agentflow.domain.errors import Forbidden, InvalidInput, NotFound
from agentflow.domain.identity import TENANT_ID_PATTERN, ApiKey, Principal, Role, Tenant
from agentflow.domain.tenancy import DEFAULT_TENANT
from agentflow.observability.audit import Auditor
from agentflow.ports.identity_store import IdentityStore

log = structlog.get_logger(__name__)


def is_platform_admin(principal: Principal) -> bool:
    return principal.is_admin and principal.tenant_id == DEFAULT_TENANT


class IdentityAdmin:
    """Every action is recorded in the audit log (strictly: no record, no action)."""

    def __init__(self, identities: IdentityStore, audit: Auditor) -> None:
        self._identities = identities
        self._audit = audit

    async def _record(self, by: Principal, action: str, tenant_id: str,
                      **detail: str) -> None:
        await self._audit.record(tenant_id, by.subject, f"admin.{action}", "ok", detail,
                                 strict=True)

    async def create_tenant(self, name: str, *, by: Principal) -> Tenant:
        if not is_platform_admin(by):
            raise Forbidden("only platform admins (admins of the default tenant) add tenants")
        try:
            tenant = Tenant(id=name, created_at=datetime.now(UTC))
        except ValueError:
            raise InvalidInput(f"a tenant name must match {TENANT_ID_PATTERN}",
                               field="name") from None
        await self._identities.create_tenant(tenant)
        await self._record(by, "create_tenant", DEFAULT_TENANT, tenant=tenant.id)
        log.info("tenant_created", tenant_id=tenant.id, by=by.subject)
        return tenant

    async def create_key(self, tenant_id: str, role: Role, *,
                         by: Principal) -> tuple[str, ApiKey]:
        """The new key's secret (shown once) and its record."""
        self._check_scope(tenant_id, by)
        if tenant_id != DEFAULT_TENANT and await self._identities.get_tenant(tenant_id) is None:
            raise NotFound(f"no tenant {tenant_id}", tenant_id=tenant_id)
        secret, record = new_api_key(tenant_id, role)
        await self._identities.save_api_key(record)
        await self._record(by, "create_key", tenant_id, key_id=record.id, role=role.value)
        log.info("api_key_created", key_id=record.id, role=role.value, by=by.subject)
        return secret, record

    async def list_keys(self, tenant_id: str, *, by: Principal) -> list[ApiKey]:
        self._check_scope(tenant_id, by)
        return await self._identities.list_api_keys(tenant_id)

    async def revoke_key(self, key_id: str, *, by: Principal) -> ApiKey:
        key = await self._identities.get_api_key(key_id)
        if key is None or (key.tenant_id != by.tenant_id and not is_platform_admin(by)):
            raise NotFound(f"no API key {key_id}", key_id=key_id)  # another tenant's: 404
        if not by.is_admin:
            raise Forbidden("revoking keys needs the admin role")
        revoked = await self._identities.revoke_api_key(key_id, datetime.now(UTC))
        assert revoked is not None
        await self._record(by, "revoke_key", key.tenant_id, key_id=key_id)
        log.info("api_key_revoked", key_id=key_id, by=by.subject)
        return revoked

    def _check_scope(self, tenant_id: str, by: Principal) -> None:
        if not by.is_admin or (tenant_id != by.tenant_id and not is_platform_admin(by)):
            raise Forbidden("admins manage their own tenant's keys")
