"""What each query's agents used (tokens, models), and the sums."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from agentflow.domain.queries import AgentUsage, UsageTotal


class UsageLedger(Protocol):
    """What each query's agents used (tokens, models), and the sums.

    Every read and write is scoped to one tenant by the adapter.
    """

    async def record_usage(self, tenant_id: str, query_id: str, usage: Mapping[str, AgentUsage],
                           *, at: datetime) -> None:
        """Store what each agent of a query used (replacing an earlier record of that query)."""
        ...

    async def usage_totals(self, tenant_id: str | None = None, *, since: datetime | None = None,
                           until: datetime | None = None) -> list[UsageTotal]:
        """Usage summed per tenant, agent and model over ``[since, until)`` (all tenants when
        ``tenant_id`` is None)."""
        ...
