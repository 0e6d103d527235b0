"""The monitoring agent: folds the platform's domain events into figures an admin can read, and
raises alerts when they go wrong.

It listens on the ``EventBus`` (``query.*``, ``document.*``, ``alert.*``): in-process in the
embedded profile, in ``agentflow monitor`` behind Dapr pub/sub when distributed. It keeps, over
sliding windows (``domain.windows``): answer latency and error/fallback rates, each agent's
calls, errors, fallbacks and latency, each tenant's tokens and cost. After every event it checks
the subject the event touched against its recent baseline: answer or agent latency far above
usual, an error rate far above usual, a tenant's tokens spiking. An alert is stored (newest
first, bounded), counted in ``agentflow_alerts_total`` and handed to the notifier (a webhook,
POSTed in the background with retries: observing never waits on the network).

State lives in memory; the catalog keeps the durable usage records (``/v1/admin/usage``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import structlog

from agentflow.domain.events import DomainEvent
from agentflow.domain.monitoring import (
    AgentHealth,
    Alert,
    DocumentFigures,
    HealthStatus,
    MonitorSnapshot,
    TenantFigures,
    WindowFigures,
)
from agentflow.domain.queries import UsageTotal
from agentflow.domain.series import MetricSeries, Resolution, TimeBuckets
from agentflow.domain.windows import (
    Figures,
    SlidingWindows,
    Thresholds,
    error_spike,
    latency_spike,
    token_spike,
)
from agentflow.observability import metrics, tracing

log = structlog.get_logger(__name__)
PATTERNS = ("query.*", "document.*", "alert.*")
AGENTS = ("retrieval", "synthesis", "citation")
ANSWERS = "answers"
_ACTIVITY_AGENT = {"query_retrieve": "retrieval", "query_synthesize": "synthesis",
                   "query_cite": "citation"}


class AlertSink(Protocol):
    def notify(self, alert: Alert) -> None:
        """Deliver ``alert`` in the background (never blocks, never raises)."""
        ...

    async def close(self) -> None: ...


class MonitoringAgent:
    def __init__(self, *, window_s: float = 300.0, baseline_windows: int = 12,
                 thresholds: Thresholds | None = None, alert_limit: int = 200,
                 cooldown_s: float = 600.0, sink: AlertSink | None = None,
                 check_interval_s: float = 1.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.since = clock()
        self._clock = clock
        self._events = 0
        self._windows = SlidingWindows(window_s, baseline_windows)
        self._series = {resolution: TimeBuckets(resolution) for resolution in Resolution}
        self._thresholds = thresholds or Thresholds()
        self._cooldown_s = cooldown_s
        self._sink = sink
        self._last_alert: dict[tuple[str, str, str], float] = {}
        self._alerts: deque[Alert] = deque(maxlen=alert_limit)
        self._tenants: dict[str, TenantFigures] = defaultdict(TenantFigures)
        self._documents: dict[str, DocumentFigures] = defaultdict(DocumentFigures)
        self._usage: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._first_token = Figures()
        # Each check merges slots and sorts latencies: under load (tens of answers a second,
        # observed inline on the publish path) a subject is re-evaluated at most this often.
        self._check_interval_s = check_interval_s
        self._checked: dict[str, float] = {}
        self.checks_run = 0

    async def observe(self, event: DomainEvent) -> None:
        """One delivered event; unknown types are counted and otherwise ignored. Observing is
        a span in the trace of whatever published the event."""
        with tracing.span(f"monitor {event.type}", parent=event.traceparent):
            self._observe(event)

    def _observe(self, event: DomainEvent) -> None:
        self._events += 1
        when, tenant, data = event.at.timestamp(), event.tenant_id, event.data
        if event.type == "query.completed":
            self._completed(event, when)
        elif event.type == "query.failed":
            self._tenants[tenant].failed += 1
            self._windows.at(when, ANSWERS).calls += 1
            self._windows.at(when, ANSWERS).errors += 1
            self._chart(when, ANSWERS, errors=1)
            agent = _ACTIVITY_AGENT.get(str(data.get("activity")))
            if agent:
                self._agent_call(when, agent, error=True)
            self._check(event, ANSWERS, when)
        elif event.type == "query.agent_retried":
            self._agent_call(when, str(data.get("agent")), error=True)
            self._check(event, str(data.get("agent")), when)
        elif event.type == "document.ready":
            documents = self._documents[tenant]
            documents.ready += 1
            documents.pages += int(data.get("pages") or 0)
            documents.chunks += int(data.get("chunks") or 0)
        elif event.type == "document.failed":
            self._documents[tenant].failed += 1
        elif event.type.startswith("alert."):
            self._external_alert(event, when)
        log.debug("monitor_observed", type=event.type, tenant_id=tenant, trace_id=event.trace_id)

    def _completed(self, event: DomainEvent, when: float) -> None:
        tenant, data = event.tenant_id, event.data
        figures = self._tenants[tenant]
        figures.completed += 1
        figures.partial += bool(data.get("partial"))
        timings = data.get("timings_ms") or {}
        answers = self._windows.at(when, ANSWERS)
        answers.calls += 1
        total = timings.get("total")
        if isinstance(total, int | float):
            answers.latency(float(total))
        self._chart(when, ANSWERS, latency_ms=float(total) if isinstance(total, int | float)
                    else None)
        if isinstance(timings.get("first_token"), int | float):
            self._first_token.latency(float(timings["first_token"]))
        for agent in AGENTS:
            if isinstance(timings.get(agent), int | float) and timings[agent] > 0:
                self._agent_call(when, agent, latency_ms=float(timings[agent]))
        spent = self._windows.at(when, f"tenant:{tenant}")
        for agent, usage in (data.get("usage") or {}).items():
            used = self._add_usage(tenant, agent, usage)
            spent.tokens += used[0]
            spent.cost_usd += used[1]
        self._check(event, ANSWERS, when)
        for agent in AGENTS:
            self._check(event, agent, when)
        self._check(event, f"tenant:{tenant}", when)

    def _agent_call(self, when: float, agent: str, *, error: bool = False,
                    latency_ms: float | None = None) -> None:
        figures = self._windows.at(when, agent)
        figures.calls += 1
        figures.errors += error
        if latency_ms is not None:
            figures.latency(latency_ms)
        self._chart(when, agent, errors=int(error), latency_ms=latency_ms)

    def _chart(self, when: float, subject: str, *, errors: int = 0,
               latency_ms: float | None = None) -> None:
        """One call in the response-time series (per minute and per hour)."""
        for buckets in self._series.values():
            buckets.record(when, subject, calls=1, errors=errors, latency_ms=latency_ms)

    async def series(self, resolution: Resolution) -> MetricSeries:
        """Answers' and each agent's calls, errors and latency over time."""
        buckets = self._series[resolution]
        now = self._clock()
        return MetricSeries(resolution=resolution, step_s=buckets.step_s, until=now,
                            series=[buckets.series(subject, now.timestamp())
                                    for subject in (ANSWERS, *AGENTS)])

    def _external_alert(self, event: DomainEvent, when: float) -> None:
        if event.type == "alert.agent_fallback":
            agent = str(event.data.get("agent"))
            self._tenants[event.tenant_id].fallbacks += 1
            self._windows.at(when, agent).fallbacks += 1
            self._windows.at(when, ANSWERS).fallbacks += 1
        message = str(event.data.get("reason") or event.data.get("message") or event.type)
        self._raise(kind=event.type.removeprefix("alert."), severity="warning",
                    subject=str(event.data.get("agent") or event.tenant_id),
                    tenant_id=event.tenant_id, message=message[:500], when=when,
                    trace_id=event.trace_id, cooldown=False)

    def _add_usage(self, tenant: str, agent: str, usage: dict[str, Any]) -> tuple[int, float]:
        key = (tenant, agent, str(usage.get("model", "")))
        total = self._usage.setdefault(key, {"queries": 0, "input_tokens": 0,
                                             "output_tokens": 0, "cost_usd": 0.0})
        tokens = int(usage.get("input_tokens") or 0) + int(usage.get("output_tokens") or 0)
        cost = float(usage.get("cost_usd") or 0.0)
        total["queries"] += 1
        total["input_tokens"] += int(usage.get("input_tokens") or 0)
        total["output_tokens"] += int(usage.get("output_tokens") or 0)
        total["cost_usd"] += cost
        return tokens, cost

    def _check(self, event: DomainEvent, subject: str, when: float) -> None:
        """Compare ``subject``'s current window with its baseline; alert on a spike (at most
        once per ``check_interval_s`` of event time per subject)."""
        last = self._checked.get(subject)
        if last is not None and 0 <= when - last < self._check_interval_s:
            return
        self._checked[subject] = when
        self.checks_run += 1
        now = self._windows.current(subject, when)
        base = self._windows.baseline(subject, when)
        t = self._thresholds
        name = "answer" if subject == ANSWERS else f"the {subject} agent"
        if subject.startswith("tenant:"):
            tenant = subject.removeprefix("tenant:")
            # Until a whole baseline has been seen, every tenant's use looks new.
            warm = when - self.since.timestamp() >= self._windows.window_s * (
                self._windows.baseline_windows() + 1)
            spike = token_spike(now, base, self._windows.baseline_windows(), t) if warm \
                else None
            if spike:
                self._raise(kind="token_spike", severity="warning", subject=tenant,
                            tenant_id=tenant, value=spike[0], baseline=spike[1], when=when,
                            trace_id=event.trace_id, message=(
                                f"tenant {tenant} used {spike[0]:.0f} tokens in the last "
                                f"{self._windows.window_s:.0f}s, against {spike[1]:.0f} "
                                "per window before"))
            return
        if (slow := latency_spike(now, self._windows.baseline_each(subject, when), t)):
            self._raise(kind="latency_spike", severity="warning", subject=subject,
                        value=slow[0], baseline=slow[1], when=when, trace_id=event.trace_id,
                        message=f"{name} p95 latency is {slow[0]:.0f} ms, against "
                                f"{slow[1]:.0f} ms before")
        if (errors := error_spike(now, base, t)) is not None:
            self._raise(kind="error_rate_spike",
                        severity="critical" if errors[0] >= 0.5 else "warning",
                        subject=subject, value=errors[0], baseline=errors[1], when=when,
                        trace_id=event.trace_id,
                        message=f"{name} error rate is {errors[0]:.0%}, against "
                                f"{errors[1]:.0%} before")

    def _raise(self, *, kind: str, severity: Literal["warning", "critical"], subject: str,
               message: str, when: float, tenant_id: str | None = None,
               value: float | None = None, baseline: float | None = None,
               trace_id: str | None = None, cooldown: bool = True) -> None:
        key = (kind, subject, severity)  # a critical alert is not held by a warning's cool-down
        last = self._last_alert.get(key)
        if cooldown and last is not None and when - last < self._cooldown_s:
            return
        self._last_alert[key] = when
        alert = Alert(id=f"alert_{uuid.uuid4().hex}", kind=kind, severity=severity,
                      subject=subject, tenant_id=tenant_id, message=message, value=value,
                      baseline=baseline, at=datetime.fromtimestamp(when, UTC),
                      trace_id=trace_id, delivery="pending" if self._sink else "stored")
        self._alerts.appendleft(alert)
        metrics.alerts.labels(kind=kind).inc()
        log.warning("alert_raised", kind=kind, subject=subject, severity=severity,
                    alert_message=message)
        if self._sink is not None:
            self._sink.notify(alert)

    async def alerts(self, *, tenant_id: str | None = None, limit: int = 50) -> list[Alert]:
        """Stored alerts, newest first; a tenant sees only alerts about itself."""
        chosen = [a for a in self._alerts if tenant_id is None or a.tenant_id == tenant_id]
        return chosen[:limit]

    async def snapshot(self) -> MonitorSnapshot:
        now = self._clock()
        when = now.timestamp()
        agents = [self._health(agent, when) for agent in AGENTS]
        tenants = {}
        for tenant, figures in self._tenants.items():
            window = self._windows.current(f"tenant:{tenant}", when)
            base = self._windows.baseline(f"tenant:{tenant}", when)
            tenants[tenant] = figures.model_copy(update={
                "window_tokens": window.tokens, "window_cost_usd": round(window.cost_usd, 6),
                "baseline_tokens_per_window": base.tokens / self._windows.baseline_windows()})
        usage = [UsageTotal(tenant_id=tenant, agent=agent, model=model, **total)
                 for (tenant, agent, model), total in sorted(self._usage.items())]
        return MonitorSnapshot(
            since=self.since, at=now, events=self._events, window_s=self._windows.window_s,
            answers=WindowFigures.of(self._windows.current(ANSWERS, when)),
            answers_baseline=WindowFigures.of(self._windows.baseline(ANSWERS, when)),
            time_to_first_token_p95_ms=self._first_token.p(95), agents=agents,
            tenants=tenants, documents=dict(self._documents), usage=usage,
            token_share=token_share(usage), alerts=list(self._alerts)[:20])

    def _health(self, agent: str, when: float) -> AgentHealth:
        window = self._windows.current(agent, when)
        base = self._windows.baseline(agent, when)
        rate = window.error_rate
        if not window.calls:
            status = HealthStatus.IDLE
        elif rate is not None and rate >= 0.5:
            status = HealthStatus.FAILING
        elif (rate is not None and rate >= 0.1) or latency_spike(
                window, self._windows.baseline_each(agent, when), self._thresholds):
            status = HealthStatus.DEGRADED
        else:
            status = HealthStatus.HEALTHY
        return AgentHealth(agent=agent, status=status, window=WindowFigures.of(window),
                           baseline=WindowFigures.of(base))


    async def close(self) -> None:
        close = getattr(self._sink, "close", None)
        if close is not None:
            await close()


def token_share(usage: list[UsageTotal]) -> dict[str, float]:
    """Each agent's share of all tokens (e.g. retrieval 0.1, synthesis 0.7, citation 0.2)."""
    by_agent: dict[str, int] = defaultdict(int)
    for total in usage:
        by_agent[total.agent] += total.input_tokens + total.output_tokens
    whole = sum(by_agent.values())
    return {agent: round(n / whole, 4) for agent, n in sorted(by_agent.items())} if whole else {}
