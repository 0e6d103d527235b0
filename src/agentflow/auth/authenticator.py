"""From an ``Authorization`` header to the ``Principal`` a request acts as."""

from __future__ import annotations

import hmac
import re
import secrets

import structlog

from agentflow.auth.api_keys import hash_key, looks_like_api_key
from agentflow.auth.tokens import JwtVerifier
from agentflow.domain.errors import Unauthenticated
from agentflow.domain.identity import Principal, Role
from agentflow.ports.identity_store import IdentityStore
from agentflow.settings import AuthSettings

log = structlog.get_logger(__name__)
_BEARER = re.compile(r"Bearer[ ]+([\x21-\x7e]{1,4096})", re.IGNORECASE)


class Authenticator:
    def __init__(self, settings: AuthSettings, identities: IdentityStore) -> None:
        self.enabled = settings.enabled
        self._identities = identities
        self._jwt = JwtVerifier(settings)
        configured = settings.service_token
        self.service_token = (configured.get_secret_value() if configured
                              else secrets.token_urlsafe(32))

    async def authenticate(self, authorization: str | None, *,
                           named_tenant: str) -> Principal:
        """The caller. ``named_tenant`` (the X-Tenant-ID header) only counts with auth off
        (the local user, admin of that tenant) and for the platform's own service token."""
        if not self.enabled:
            return Principal(tenant_id=named_tenant, role=Role.ADMIN, subject="local",
                             method="local")
        match = _BEARER.fullmatch((authorization or "").strip())
        if match is None:
            raise Unauthenticated("send Authorization: Bearer <API key or JWT>")
        token = match.group(1)
        if hmac.compare_digest(token, self.service_token):
            return Principal(tenant_id=named_tenant, role=Role.USER, subject="service",
                             method="service")
        if looks_like_api_key(token):
            return await self._api_key(token)
        if not self._jwt.configured:
            raise Unauthenticated("JWTs are not accepted here (no key is configured)")
        principal = self._jwt.verify(token)
        if await self._identities.get_tenant(principal.tenant_id) is None:
            raise Unauthenticated("the token's tenant does not exist")
        return principal

    async def _api_key(self, secret: str) -> Principal:
        key = await self._identities.api_key_by_hash(hash_key(secret))
        if key is None or key.revoked_at is not None:
            raise Unauthenticated("the API key is unknown or revoked")
        return Principal(tenant_id=key.tenant_id, role=key.role, subject=key.id,
                         method="api_key")
