"""The live view of the platform that the monitoring agent keeps from the domain events."""

from __future__ import annotations

from typing import Protocol

from agentflow.domain.events import DomainEvent
from agentflow.domain.monitoring import MonitorReport


class Monitor(Protocol):
    async def observe(self, event: DomainEvent) -> None:
        """Fold one delivered domain event into the figures."""
        ...

    def report(self) -> MonitorReport:
        """Outcomes, latency, usage and alerts since the monitor started."""
        ...
