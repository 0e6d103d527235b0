"""Response times over time: answers' and agents' calls, errors and latency percentiles per
minute for the last hour and per hour for the last day (``GET /v1/admin/metrics?series=``).

The monitoring agent folds each call into both resolutions as it folds it into its sliding
windows. A bucket keeps at most ``MAX_SAMPLES`` latencies per subject, chosen by reservoir
sampling, so an hour of heavy traffic is sampled evenly across the hour within fixed memory.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel

from agentflow.domain.monitoring import WindowFigures
from agentflow.domain.windows import Figures

MAX_SAMPLES = 2000


class Resolution(StrEnum):
    """How finely a series is cut: ``minute`` (the last hour) or ``hour`` (the last day)."""

    MINUTE = "minute"
    HOUR = "hour"


SPANS = {Resolution.MINUTE: (60, 60), Resolution.HOUR: (3600, 24)}  # (step_s, points)


class SeriesPoint(BaseModel):
    """One bucket of one subject: its start, calls, errors and latency percentiles (None
    without calls), as ``WindowFigures`` computes them for a window."""

    at: datetime
    calls: int = 0
    errors: int = 0
    error_rate: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None


class Series(BaseModel):
    """One subject (``answers`` or an agent) over the resolution's span, oldest point first;
    every bucket is present, empty ones included."""

    subject: str
    points: list[SeriesPoint]


_POINT = set(SeriesPoint.model_fields) - {"at"}


class MetricSeries(BaseModel):
    """Every subject's series at one resolution."""

    resolution: Resolution
    step_s: int
    until: datetime
    series: list[Series]


class _Sampled(Figures):
    """Figures whose latencies are a uniform reservoir sample of every call."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def sample(self, ms: float, rng: random.Random) -> None:
        self.seen += 1
        if len(self.latencies_ms) < MAX_SAMPLES:
            self.latencies_ms.append(ms)
            return
        slot = rng.randrange(self.seen)
        if slot < MAX_SAMPLES:
            self.latencies_ms[slot] = ms


class TimeBuckets:
    """Figures per subject in fixed buckets of ``step_s``, the newest ``points`` kept."""

    def __init__(self, resolution: Resolution) -> None:
        """Buckets of the resolution's step, as many as its span holds."""
        self.resolution = resolution
        self.step_s, self.points = SPANS[resolution]
        self._buckets: dict[int, dict[str, _Sampled]] = {}
        self._rng = random.Random(0)  # sampling needs no secrecy; runs stay reproducible

    def record(self, when: float, subject: str, *, calls: int = 0, errors: int = 0,
               latency_ms: float | None = None) -> None:
        """Count calls and errors of ``subject`` at ``when``, and one latency sample."""
        bucket = int(when // self.step_s)
        if bucket not in self._buckets:
            self._buckets[bucket] = {}
            for old in [b for b in self._buckets if b <= bucket - self.points]:
                del self._buckets[old]
        figures = self._buckets[bucket].setdefault(subject, _Sampled())
        figures.calls += calls
        figures.errors += errors
        if latency_ms is not None:
            figures.sample(latency_ms, self._rng)

    def series(self, subject: str, now: float) -> Series:
        """``subject``'s points over the span ending with the bucket holding ``now``."""
        last = int(now // self.step_s)
        points = []
        for bucket in range(last - self.points + 1, last + 1):
            figures = self._buckets.get(bucket, {}).get(subject) or Figures()
            points.append(SeriesPoint(at=datetime.fromtimestamp(bucket * self.step_s, UTC),
                                      **WindowFigures.of(figures).model_dump(include=_POINT)))
        return Series(subject=subject, points=points)
