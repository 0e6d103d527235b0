"""Where each tenant's embedding model choice is kept."""

from __future__ import annotations

from typing import Protocol

from agentflow.domain.embedding_models import TenantEmbedding


class TenantModelStore(Protocol):
    """Tenants' embedding records; a tenant without one uses the built-in model."""

    async def get_model(self, tenant_id: str) -> TenantEmbedding | None:
        """The tenant's record, or None when it never changed model."""
        ...

    async def save_model(self, record: TenantEmbedding, *, revision: int) -> bool:
        """Store ``record`` if the stored one is still at ``revision`` (0: none stored yet);
        False, storing nothing, when another writer came first."""
        ...

    async def list_models(self) -> list[TenantEmbedding]:
        """Every stored record (to resume unfinished moves at start-up)."""
        ...
