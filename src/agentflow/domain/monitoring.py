"""What the monitoring agent reports: live figures over sliding windows, agent health, alerts,
and usage/cost per period."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from agentflow.domain.queries import UsageTotal
from agentflow.domain.windows import Figures, percentile

__all__ = ["AgentHealth", "Alert", "DocumentFigures", "HealthStatus", "MonitorSnapshot",
           "Period", "TenantFigures", "UsageReport", "UsageRow", "WindowFigures", "percentile"]


class WindowFigures(BaseModel):
    """One subject over one window: calls, error and fallback rates, latency percentiles."""

    calls: int = 0
    errors: int = 0
    fallbacks: int = 0
    error_rate: float | None = None
    fallback_rate: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None

    @classmethod
    def of(cls, figures: Figures) -> WindowFigures:
        """The figures of ``figures`` as rates and percentiles."""
        return cls(calls=figures.calls, errors=figures.errors, fallbacks=figures.fallbacks,
                   error_rate=figures.error_rate,
                   fallback_rate=figures.fallbacks / figures.calls if figures.calls else None,
                   p50_ms=figures.p(50), p95_ms=figures.p(95))


class HealthStatus(StrEnum):
    """How an agent is doing in the current window, against its baseline."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"  # errors or latency well above usual, still answering
    FAILING = "failing"  # half its calls or more fail
    IDLE = "idle"  # no call in the window


class AgentHealth(BaseModel):
    """One agent's status with its current-window and baseline figures."""

    agent: str
    status: HealthStatus
    window: WindowFigures
    baseline: WindowFigures


class TenantFigures(BaseModel):
    """One tenant in the current window (tokens and cost) and since the monitor started."""

    window_tokens: int = 0
    window_cost_usd: float = 0.0
    baseline_tokens_per_window: float = 0.0
    completed: int = 0
    failed: int = 0
    partial: int = 0
    fallbacks: int = 0


class DocumentFigures(BaseModel):
    """A tenant's documents finished since the monitor started: ready and failed, with the
    pages and chunks of the ready ones."""

    ready: int = 0
    failed: int = 0
    pages: int = 0
    chunks: int = 0


class Alert(BaseModel):
    """Something an admin should look at; POSTed to the webhook as this JSON."""

    id: str
    kind: str  # latency_spike, error_rate_spike, token_spike, agent_fallback, ...
    severity: Literal["warning", "critical"]
    subject: str  # "answers", an agent's name, or a tenant
    tenant_id: str | None = None
    message: str
    value: float | None = None
    baseline: float | None = None
    at: datetime
    trace_id: str | None = None
    delivery: Literal["stored", "pending", "delivered", "failed"] = "stored"


class MonitorSnapshot(BaseModel):
    """The live view: the current window against its baseline."""

    since: datetime
    at: datetime
    events: int
    window_s: float
    answers: WindowFigures
    answers_baseline: WindowFigures
    time_to_first_token_p95_ms: float | None = None
    agents: list[AgentHealth]
    tenants: dict[str, TenantFigures]
    documents: dict[str, DocumentFigures]
    usage: list[UsageTotal]  # since the monitor started, per tenant, agent and model
    token_share: dict[str, float]  # agent -> share of all tokens since start (0..1)
    alerts: list[Alert]  # the newest few


class Period(StrEnum):
    """The length of the periods a usage report sums over."""

    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


class UsageRow(UsageTotal):
    """A ``UsageTotal`` of the period starting at ``period_start``."""

    period_start: datetime


class UsageReport(BaseModel):
    """Tokens and cost per period, tenant, agent and model, with each agent's token share."""

    period: Period
    since: datetime
    until: datetime
    rows: list[UsageRow]
    total_tokens: int
    total_cost_usd: float
    token_share: dict[str, float] = Field(default_factory=dict)  # agent -> 0..1
    cost_share: dict[str, float] = Field(default_factory=dict)
