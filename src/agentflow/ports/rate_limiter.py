"""Per-tenant rate limits: a token bucket per key, refilled continuously."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel


class RateDecision(BaseModel):
    """The answer to one ``take``."""

    allowed: bool
    remaining: float  # tokens left after this request (when allowed)
    retry_after_s: float  # when not allowed: how long until ``cost`` tokens are there


class RateLimiter(Protocol):
    """A bucket of ``capacity`` tokens refilled at ``rate_per_s``; a request takes ``cost``.

    Taking is atomic: concurrent requests (from any replica, for a shared adapter) can never
    take more than the bucket holds."""

    async def take(self, key: str, *, capacity: float, rate_per_s: float,
                   cost: float = 1.0) -> RateDecision:
        """Take ``cost`` tokens from ``key``'s bucket if it holds them (a new bucket starts full);
        a refused request takes nothing."""
        ...
