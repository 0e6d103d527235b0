"""The live view of the platform that the monitoring agent keeps from the domain events."""

from __future__ import annotations

from typing import Protocol

from agentflow.domain.events import DomainEvent
from agentflow.domain.monitoring import Alert, MonitorSnapshot
from agentflow.domain.series import MetricSeries, Resolution


class Monitor(Protocol):
    """The monitoring agent itself (embedded) or a client of ``agentflow monitor``."""

    async def observe(self, event: DomainEvent) -> None:
        """Fold one delivered domain event into the figures (and alert on anomalies)."""
        ...

    async def snapshot(self) -> MonitorSnapshot:
        """The current window against its baseline: answers, agents, tenants, usage."""
        ...

    async def alerts(self, *, tenant_id: str | None = None, limit: int = 50) -> list[Alert]:
        """Stored alerts, newest first; only ``tenant_id``'s when given."""
        ...

    async def series(self, resolution: Resolution) -> MetricSeries:
        """Answers' and each agent's calls, errors and latency percentiles over time: per
        minute for the last hour, or per hour for the last day."""
        ...
