"""What each tenant stores, for quotas and metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentflow.domain.documents import TenantFootprint


class Footprints(Protocol):
    """What each tenant stores, for quotas and metrics.

    Every read and write is scoped to one tenant by the adapter.
    """

    async def footprint(self, tenant_id: str) -> TenantFootprint:
        """The tenant's document count and stored bytes (quotas)."""
        ...

    async def footprints(self, tenant_ids: Sequence[str]) -> dict[str, TenantFootprint]:
        """``footprint`` of each of ``tenant_ids`` in one round trip (metrics scrapes)."""
        ...
