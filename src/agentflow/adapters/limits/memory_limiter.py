"""``RateLimiter`` for one process: buckets in a dict (bounded), monotonic clock."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from agentflow.ports.rate_limiter import RateDecision


class MemoryRateLimiter:
    def __init__(self, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at
        self._max_keys = max_keys
        self._clock = clock

    async def take(self, key: str, *, capacity: float, rate_per_s: float,
                   cost: float = 1.0) -> RateDecision:
        now = self._clock()
        tokens, at = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - at) * rate_per_s)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:  # forgotten keys start full again
            self._buckets.popitem(last=False)
        wait = 0.0 if allowed else (cost - tokens) / rate_per_s
        return RateDecision(allowed=allowed, remaining=tokens, retry_after_s=wait)
