"""Response-time series: calls, errors and latency percentiles per minute for the last hour and
per hour for the last day, every bucket present, old buckets dropped, latencies sampled evenly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentflow.domain.events import DomainEvent
from agentflow.domain.series import MAX_SAMPLES, Resolution, TimeBuckets
from tests.unit.test_monitoring_agent import T0, Clock, agent, completed


def test_minute_buckets_cover_the_last_hour_with_every_minute_present() -> None:
    buckets = TimeBuckets(Resolution.MINUTE)
    start = T0.timestamp()
    for n in range(10):
        buckets.record(start + n, "answers", calls=1, latency_ms=100.0 + n)
    buckets.record(start + 125, "answers", calls=1, errors=1)
    series = buckets.series("answers", start + 150)
    assert len(series.points) == 60
    assert series.points[-1].at == T0 + timedelta(minutes=2)
    assert series.points[0].at == T0 - timedelta(minutes=57)
    first, idle, failing = series.points[-3], series.points[-2], series.points[-1]
    assert (first.calls, first.errors, first.error_rate) == (10, 0, 0.0)
    assert first.p50_ms == 104.0 and first.p95_ms == 109.0  # nearest rank
    assert (idle.calls, idle.error_rate, idle.p95_ms) == (0, None, None)
    assert (failing.calls, failing.error_rate, failing.p50_ms) == (1, 1.0, None)
    # An hour later the early minutes have left the span (and memory).
    later = buckets.series("answers", start + 3 * 3600)
    assert all(point.calls == 0 for point in later.points)
    buckets.record(start + 3 * 3600, "answers", calls=1)
    assert len(buckets._buckets) == 1


def test_an_hour_of_heavy_traffic_is_sampled_evenly() -> None:
    buckets = TimeBuckets(Resolution.HOUR)
    start = T0.timestamp()
    calls = MAX_SAMPLES * 10
    for n in range(calls):  # latency grows through the hour: 0 .. calls-1 ms
        buckets.record(start + n * 3600 / calls, "synthesis", calls=1, latency_ms=float(n))
    (point,) = [p for p in buckets.series("synthesis", start).points if p.calls]
    assert point.calls == calls
    # A first-come cap would say p50 ~ 1,000 ms; the reservoir sees the whole hour.
    assert abs((point.p50_ms or 0) - calls / 2) < calls * 0.05
    assert abs((point.p95_ms or 0) - calls * 0.95) < calls * 0.03
    assert len(buckets.series("synthesis", start).points) == 24


async def test_the_monitoring_agent_charts_answers_and_each_agent() -> None:
    clock = Clock()
    monitor = agent(clock)
    for minute in range(3):
        for n in range(5):
            clock.now = T0 + timedelta(minutes=minute, seconds=n)
            await monitor.observe(completed("acme", 100.0 * (minute + 1), clock.now))
    await monitor.observe(DomainEvent(type="query.failed", tenant_id="acme", at=clock.now,
                                      data={"activity": "query_cite"}))
    per_minute = await monitor.series(Resolution.MINUTE)
    assert per_minute.step_s == 60 and per_minute.until == clock.now
    series = {s.subject: s.points for s in per_minute.series}
    assert set(series) == {"answers", "retrieval", "synthesis", "citation"}
    answers = [p for p in series["answers"] if p.calls]
    assert [p.p50_ms for p in answers] == [100.0, 200.0, 300.0]
    assert [p.errors for p in answers] == [0, 0, 1] and answers[-1].calls == 6
    assert [p.p50_ms for p in series["synthesis"] if p.calls] == [60.0, 120.0, 180.0]
    assert [p.errors for p in series["citation"] if p.calls] == [0, 0, 1]
    per_hour = await monitor.series(Resolution.HOUR)
    (hour,) = [p for s in per_hour.series if s.subject == "answers" for p in s.points if p.calls]
    assert hour.calls == 16 and hour.at == datetime(2026, 11, 22, 12, tzinfo=UTC)
