"""The audit log: append-only, per tenant, paged newest first."""

from __future__ import annotations

from typing import Protocol

from agentflow.domain.identity import AuditEntry


class AuditLog(Protocol):
    """Per-tenant audit entries: appended once, never changed, read newest first."""

    async def append(self, entry: AuditEntry) -> AuditEntry:
        """Store ``entry`` (its ``id`` assigned here) and return it. There is no update or
        delete: the adapters refuse both at the storage level."""
        ...

    async def page(self, tenant_id: str, *, limit: int = 50,
                   before: str | None = None) -> list[AuditEntry]:
        """The tenant's entries newest first, older than the entry id ``before`` if given."""
        ...

    async def close(self) -> None:
        """Release what the log itself holds (a Redis client shared with other stores stays
        open)."""
        ...
