"""What the monitoring agent reports: outcomes, latency, usage and alerts since it started."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from agentflow.domain.events import DomainEvent
from agentflow.domain.queries import UsageTotal


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of a non-empty list, by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class QueryFigures(BaseModel):
    """One tenant's queries: outcomes and the latency of the answered ones (recent window)."""

    completed: int = 0
    failed: int = 0
    partial: int = 0
    fallbacks: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None


class DocumentFigures(BaseModel):
    ready: int = 0
    failed: int = 0
    pages: int = 0
    chunks: int = 0


class MonitorReport(BaseModel):
    since: datetime
    events: int
    queries: dict[str, QueryFigures]  # by tenant
    documents: dict[str, DocumentFigures]  # by tenant
    usage: list[UsageTotal]  # by tenant, agent and model
    alerts: list[DomainEvent]  # newest first
