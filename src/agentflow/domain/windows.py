"""Sliding windows of figures, and the anomaly tests the monitoring agent applies to them.

Time is cut into slots of ``window_s / SLOTS``; the *current* window is the newest ``SLOTS``
slots (it slides by one slot, not by a whole window), the *baseline* the ``baseline_windows``
windows before it. Slots older than both are dropped, so memory is bounded by the number of
subjects, never by traffic (latency samples per slot are capped too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

SLOTS = 5  # slots per window
MAX_LATENCIES = 2000  # per subject and slot


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of a non-empty list, by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Figures:
    """One subject's (an agent's, the answers', a tenant's) figures over some slots."""

    calls: int = 0
    errors: int = 0
    fallbacks: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        """Add ``other``'s figures to these."""
        self.calls += other.calls
        self.errors += other.errors
        self.fallbacks += other.fallbacks
        self.tokens += other.tokens
        self.cost_usd += other.cost_usd
        self.latencies_ms.extend(other.latencies_ms)

    def latency(self, ms: float) -> None:
        """Record one latency sample (dropped beyond ``MAX_LATENCIES``)."""
        if len(self.latencies_ms) < MAX_LATENCIES:
            self.latencies_ms.append(ms)

    @property
    def error_rate(self) -> float | None:
        """Errors per call; None without calls."""
        return self.errors / self.calls if self.calls else None

    def p(self, q: float) -> float | None:
        """The ``q``-th latency percentile (0-100); None without samples."""
        return percentile(self.latencies_ms, q) if self.latencies_ms else None


class SlidingWindows:
    """Figures per subject in time slots; ``current`` and ``baseline`` merge them."""

    def __init__(self, window_s: float, baseline_windows: int) -> None:
        """Windows of ``window_s`` seconds; the baseline is the ``baseline_windows`` before the
        current one."""
        self.window_s = window_s
        self._slot_s = window_s / SLOTS
        self._keep = SLOTS * (baseline_windows + 1)
        self._baseline_windows = baseline_windows
        self._slots: dict[int, dict[str, Figures]] = {}
        self._newest = 0

    def at(self, when: float, subject: str) -> Figures:
        """The figures of ``subject`` in the slot holding ``when`` (created as needed)."""
        slot = int(when // self._slot_s)
        if slot > self._newest:
            self._newest = slot
            for old in [s for s in self._slots if s <= slot - self._keep]:
                del self._slots[old]
        return self._slots.setdefault(slot, {}).setdefault(subject, Figures())

    def _merged(self, subject: str, slots: Iterable[int]) -> Figures:
        merged = Figures()
        for slot in slots:
            figures = self._slots.get(slot, {}).get(subject)
            if figures is not None:
                merged.add(figures)
        return merged

    def current(self, subject: str, now: float) -> Figures:
        """``subject``'s figures over the current window, the one ending at ``now``."""
        last = int(now // self._slot_s)
        return self._merged(subject, range(last - SLOTS + 1, last + 1))

    def baseline(self, subject: str, now: float) -> Figures:
        """``subject``'s figures over the baseline windows, merged."""
        last = int(now // self._slot_s) - SLOTS
        return self._merged(subject, range(last - SLOTS * self._baseline_windows + 1, last + 1))

    def baseline_each(self, subject: str, now: float) -> list[Figures]:
        """The baseline as its separate windows, oldest first."""
        first = int(now // self._slot_s) - SLOTS * (self._baseline_windows + 1) + 1
        return [self._merged(subject, range(start, start + SLOTS))
                for start in range(first, first + SLOTS * self._baseline_windows, SLOTS)]

    def baseline_windows(self) -> int:
        """How many windows the baseline spans."""
        return self._baseline_windows

    def subjects(self) -> set[str]:
        """Every subject with figures in a slot still kept."""
        return {subject for slot in self._slots.values() for subject in slot}


@dataclass(frozen=True)
class Thresholds:
    """When a window is "far above its recent baseline"."""

    min_samples: int = 20
    latency_factor: float = 3.0
    latency_floor_ms: float = 100.0  # a p95 going 2 -> 9 ms is not an incident
    error_rate_delta: float = 0.2
    token_factor: float = 5.0
    token_floor: int = 10_000  # tokens in a window below which no spike is reported


def latency_spike(now: Figures, windows: list[Figures],
                  t: Thresholds) -> tuple[float, float] | None:
    """``(current p95, usual p95)`` when the current p95 is ``latency_factor`` times the usual
    one: the median of the baseline windows' p95s, so one slow window (or the spike's own first
    minutes) does not become the norm."""
    measured = [window.p(95) for window in windows if window.latencies_ms]
    if len(now.latencies_ms) < t.min_samples or not measured \
            or sum(len(w.latencies_ms) for w in windows) < t.min_samples:
        return None
    current = percentile(now.latencies_ms, 95)
    usual = percentile([m for m in measured if m is not None], 50)
    if current >= t.latency_factor * usual and current - usual >= t.latency_floor_ms:
        return current, usual
    return None


def error_spike(now: Figures, base: Figures, t: Thresholds) -> tuple[float, float] | None:
    """``(current rate, baseline rate)`` when errors rose by ``error_rate_delta`` or more."""
    if now.calls < t.min_samples:
        return None
    current, usual = now.errors / now.calls, (base.errors / base.calls if base.calls else 0.0)
    return (current, usual) if current - usual >= t.error_rate_delta else None


def token_spike(now: Figures, base: Figures, windows: int,
                t: Thresholds) -> tuple[float, float] | None:
    """``(tokens now, mean tokens per baseline window)`` when use jumped ``token_factor``-fold."""
    usual = base.tokens / windows
    if now.tokens >= max(t.token_factor * usual, t.token_floor):
        return float(now.tokens), usual
    return None
