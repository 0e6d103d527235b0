"""The monitoring agent's figures from domain events."""

from __future__ import annotations

from agentflow.agents.monitoring import MonitoringAgent
from agentflow.domain.events import DomainEvent


def completed(tenant: str, total_ms: float, *, partial: bool = False) -> DomainEvent:
    return DomainEvent(type="query.completed", tenant_id=tenant, data={
        "query_id": "q", "partial": partial, "timings_ms": {"total": total_ms},
        "usage": {"synthesis": {"model": "m1", "input_tokens": 100, "output_tokens": 20,
                                "cost_usd": 0.001},
                  "retrieval": {"model": "m1", "input_tokens": 10, "output_tokens": 2,
                                "cost_usd": 0.0001}}})


async def test_usage_latency_outcomes_and_alerts_per_tenant() -> None:
    monitor = MonitoringAgent(latency_window=100, alert_limit=2)
    for total in range(1, 101):  # 1..100 ms
        await monitor.observe(completed("acme", float(total), partial=total % 10 == 0))
    await monitor.observe(completed("beta", 7.0))
    await monitor.observe(DomainEvent(type="query.failed", tenant_id="acme",
                                      data={"code": "retrieval_failed"}))
    await monitor.observe(DomainEvent(type="document.ready", tenant_id="acme",
                                      data={"pages": 28, "chunks": 70}))
    await monitor.observe(DomainEvent(type="document.failed", tenant_id="acme",
                                      data={"code": "password_required"}))
    for n in range(3):
        await monitor.observe(DomainEvent(type="alert.agent_fallback", tenant_id="beta",
                                          data={"n": n}))
    await monitor.observe(DomainEvent(type="something.new", tenant_id="acme"))

    report = monitor.report()
    assert report.events == 101 + 1 + 2 + 3 + 1
    acme = report.queries["acme"]
    assert (acme.completed, acme.failed, acme.partial) == (100, 1, 10)
    assert (acme.p50_ms, acme.p95_ms) == (51.0, 95.0)
    assert report.queries["beta"].fallbacks == 3 and report.queries["beta"].p95_ms == 7.0
    assert report.documents["acme"].model_dump() == {"ready": 1, "failed": 1, "pages": 28,
                                                      "chunks": 70}
    by_key = {(u.tenant_id, u.agent): u for u in report.usage}
    synthesis = by_key[("acme", "synthesis")]
    assert (synthesis.queries, synthesis.input_tokens, synthesis.output_tokens) == (100, 10_000,
                                                                                   2_000)
    assert abs(synthesis.cost_usd - 0.1) < 1e-9
    assert by_key[("beta", "retrieval")].input_tokens == 10
    assert [a.data["n"] for a in report.alerts] == [2, 1]  # newest first, bounded


async def test_the_latency_window_forgets_old_answers() -> None:
    monitor = MonitoringAgent(latency_window=10)
    for _ in range(50):
        await monitor.observe(completed("acme", 5000.0))
    for _ in range(10):
        await monitor.observe(completed("acme", 100.0))
    assert monitor.report().queries["acme"].p95_ms == 100.0
