"""The monitoring agent: figures over sliding windows from domain events, and the anomaly
detector: it fires on an injected latency spike, an error-rate jump and a tenant's token spike,
and stays quiet on steady (even noisy) traffic."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from agentflow.agents.monitoring import MonitoringAgent
from agentflow.domain.events import DomainEvent
from agentflow.domain.monitoring import Alert, HealthStatus
from agentflow.domain.windows import Thresholds

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def completed(tenant: str, total_ms: float, at: datetime, *, partial: bool = False,
              tokens: int = 100) -> DomainEvent:
    return DomainEvent(type="query.completed", tenant_id=tenant, at=at, data={
        "query_id": "q", "partial": partial,
        "timings_ms": {"total": total_ms, "retrieval": total_ms * 0.2,
                       "synthesis": total_ms * 0.6, "citation": total_ms * 0.2,
                       "first_token": total_ms * 0.3},
        "usage": {"synthesis": {"model": "m1", "input_tokens": tokens, "output_tokens": 20,
                                "cost_usd": 0.001},
                  "retrieval": {"model": "m1", "input_tokens": 10, "output_tokens": 2,
                                "cost_usd": 0.0001}}})


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Sink:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def notify(self, alert: Alert) -> None:
        self.alerts.append(alert)

    async def close(self) -> None:
        return None


def agent(clock: Clock, sink: Sink | None = None, **options: object) -> MonitoringAgent:
    return MonitoringAgent(window_s=60, baseline_windows=10, sink=sink, clock=clock,
                           thresholds=Thresholds(min_samples=20), **options)  # type: ignore[arg-type]


async def steady(monitor: MonitoringAgent, clock: Clock, minutes: int, *, ms: float = 200,
                 jitter: float = 0.3, per_minute: int = 30, seed: int = 7) -> None:
    """Traffic with latency noise (±jitter) for ``minutes``, one answer every 2 s."""
    rng = random.Random(seed)
    for step in range(minutes * per_minute):
        clock.now += timedelta(seconds=60 / per_minute)
        await monitor.observe(completed("acme", ms * rng.uniform(1 - jitter, 1 + jitter),
                                        clock.now))
        if step % 25 == 0:  # the odd failure is part of normal life
            await monitor.observe(DomainEvent(type="query.failed", tenant_id="acme",
                                              at=clock.now, data={"activity": "query_cite"}))


async def test_figures_usage_outcomes_and_token_share() -> None:
    clock = Clock()
    monitor = agent(clock)
    for n in range(1, 101):
        clock.now = T0 + timedelta(seconds=n * 0.5)
        await monitor.observe(completed("acme", float(n), clock.now, partial=n % 10 == 0))
    await monitor.observe(completed("beta", 7.0, clock.now))
    await monitor.observe(DomainEvent(type="query.failed", tenant_id="acme", at=clock.now,
                                      data={"activity": "query_retrieve"}))
    await monitor.observe(DomainEvent(type="document.ready", tenant_id="acme",
                                      data={"pages": 28, "chunks": 70}))
    await monitor.observe(DomainEvent(type="document.failed", tenant_id="acme"))
    await monitor.observe(DomainEvent(type="alert.agent_fallback", tenant_id="beta", at=clock.now,
                                      data={"agent": "synthesis", "reason": "m1 down"}))
    await monitor.observe(DomainEvent(type="something.new", tenant_id="acme"))

    snapshot = await monitor.snapshot()
    assert snapshot.events == 101 + 1 + 2 + 1 + 1
    assert (snapshot.answers.calls, snapshot.answers.errors, snapshot.answers.fallbacks) == (
        102, 1, 1)
    assert (snapshot.answers.p50_ms, snapshot.answers.p95_ms) == (50.0, 95.0)  # beta: 7 ms
    acme = snapshot.tenants["acme"]
    assert (acme.completed, acme.failed, acme.partial) == (100, 1, 10)
    assert acme.window_tokens == 100 * 132
    assert snapshot.tenants["beta"].fallbacks == 1
    assert snapshot.documents["acme"].model_dump() == {"ready": 1, "failed": 1, "pages": 28,
                                                       "chunks": 70}
    by_key = {(u.tenant_id, u.agent): u for u in snapshot.usage}
    assert (by_key[("acme", "synthesis")].queries, by_key[("acme", "synthesis")].input_tokens) \
        == (100, 10_000)
    assert abs(by_key[("acme", "synthesis")].cost_usd - 0.1) < 1e-9
    assert snapshot.token_share == {"retrieval": round(12 / 132, 4),
                                    "synthesis": round(120 / 132, 4)}
    agents = {health.agent: health for health in snapshot.agents}
    assert agents["retrieval"].window.calls == 102 and agents["retrieval"].window.errors == 1
    assert agents["synthesis"].window.fallbacks == 1
    assert [a.kind for a in await monitor.alerts()] == ["agent_fallback"]
    assert await monitor.alerts(tenant_id="acme") == []


async def test_steady_traffic_raises_no_alert() -> None:
    clock, sink = Clock(), Sink()
    monitor = agent(clock, sink)
    await steady(monitor, clock, minutes=30)
    assert sink.alerts == [] and await monitor.alerts() == []
    assert {h.status for h in (await monitor.snapshot()).agents} == {HealthStatus.HEALTHY}


async def test_an_injected_latency_spike_fires_once_then_cools_down() -> None:
    clock, sink = Clock(), Sink()
    monitor = agent(clock, sink, cooldown_s=600)
    await steady(monitor, clock, minutes=12)
    for _ in range(60):  # two minutes of answers ten times slower
        clock.now += timedelta(seconds=2)
        await monitor.observe(completed("acme", 2000.0, clock.now))
    kinds = [(a.kind, a.subject) for a in sink.alerts]
    assert ("latency_spike", "answers") in kinds
    spike = next(a for a in sink.alerts if a.subject == "answers")
    assert spike.value is not None and spike.baseline is not None
    assert spike.value >= 3 * spike.baseline and spike.delivery == "pending"
    assert kinds.count(("latency_spike", "answers")) == 1  # the cool-down holds it at one
    health = {h.agent: h.status for h in (await monitor.snapshot()).agents}
    assert health["synthesis"] is HealthStatus.DEGRADED


async def test_an_error_rate_jump_fires_and_marks_the_agent_failing() -> None:
    clock, sink = Clock(), Sink()
    monitor = agent(clock, sink)
    await steady(monitor, clock, minutes=12)
    for _ in range(40):
        clock.now += timedelta(seconds=1)
        await monitor.observe(DomainEvent(type="query.agent_retried", tenant_id="acme",
                                          at=clock.now, data={"agent": "retrieval"}))
        await monitor.observe(DomainEvent(type="query.failed", tenant_id="acme", at=clock.now,
                                          data={"activity": "query_retrieve"}))
    errors = [a for a in sink.alerts if a.kind == "error_rate_spike"]
    assert {a.subject for a in errors} >= {"retrieval", "answers"}
    assert any(a.severity == "critical" for a in errors)
    health = {h.agent: h.status for h in (await monitor.snapshot()).agents}
    assert health["retrieval"] is HealthStatus.FAILING


async def test_a_tenants_token_spike_fires_for_that_tenant_only() -> None:
    clock, sink = Clock(), Sink()
    monitor = agent(clock, sink)
    await steady(monitor, clock, minutes=12)
    for _ in range(30):
        clock.now += timedelta(seconds=1)
        await monitor.observe(completed("beta", 200.0, clock.now, tokens=5_000))
    spikes = [a for a in sink.alerts if a.kind == "token_spike"]
    assert [a.tenant_id for a in spikes] == ["beta"]
    assert await monitor.alerts(tenant_id="acme") == []


async def test_old_slots_are_forgotten() -> None:
    clock = Clock()
    monitor = agent(clock)
    for _ in range(50):
        await monitor.observe(completed("acme", 5000.0, clock.now))
    clock.now += timedelta(hours=3)
    for _ in range(10):
        await monitor.observe(completed("acme", 100.0, clock.now))
    snapshot = await monitor.snapshot()
    assert snapshot.answers.p95_ms == 100.0 and snapshot.answers_baseline.calls == 0


async def test_a_burst_is_checked_once_per_second_per_subject_and_still_alerts() -> None:
    clock, sink = Clock(), Sink()
    monitor = agent(clock, sink)
    await steady(monitor, clock, minutes=12)
    before = monitor.checks_run
    for n in range(600):  # 600 slow answers within 3 seconds
        clock.now += timedelta(milliseconds=5)
        await monitor.observe(completed("acme", 3000.0 + n, clock.now))
    subjects = 5  # answers, three agents, the tenant
    assert monitor.checks_run - before <= subjects * 4
    assert [(a.kind, a.subject) for a in sink.alerts].count(("latency_spike", "answers")) == 1
