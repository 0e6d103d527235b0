"""Tenants and API keys (hashes only): what authentication checks callers against."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from agentflow.domain.identity import ApiKey, Tenant


class IdentityStore(Protocol):
    """Where tenants and API keys are kept; a key's secret is stored only as its hash."""

    async def create_tenant(self, tenant: Tenant) -> None:
        """Add ``tenant``; raises ``Conflict`` when its id exists."""
        ...

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        """The tenant with id ``tenant_id``; None if there is none."""
        ...

    async def list_tenants(self) -> list[Tenant]:
        """Every tenant, by id."""
        ...

    async def save_api_key(self, key: ApiKey) -> None:
        """Insert ``key``, or overwrite the key with its id."""
        ...

    async def get_api_key(self, key_id: str) -> ApiKey | None:
        """The key with id ``key_id``, whatever its tenant (revoked ones included); None if
        unknown."""
        ...

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        """The key whose secret hashes to ``key_hash`` (revoked ones included)."""
        ...

    async def list_api_keys(self, tenant_id: str) -> list[ApiKey]:
        """The tenant's keys, oldest first."""
        ...

    async def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """Mark the key revoked (once; a second revoke keeps the first time); None if unknown."""
        ...

    async def close(self) -> None:
        """Release what the store itself holds (a Redis client shared with the catalog stays
        open)."""
        ...
