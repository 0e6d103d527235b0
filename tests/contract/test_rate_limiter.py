"""RateLimiter contract: in-process and Redis (atomic under concurrency, refills with time)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from agentflow.adapters.limits.memory_limiter import MemoryRateLimiter
from agentflow.ports.rate_limiter import RateLimiter
from tests.conftest import redis_scope


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    from agentflow.adapters.limits.redis_limiter import RedisRateLimiter

    async with redis_scope() as (client, prefix):
        yield RedisRateLimiter(client, prefix=prefix)


async def test_a_burst_takes_exactly_the_capacity_even_concurrently(limiter: RateLimiter) -> None:
    decisions = await asyncio.gather(*(limiter.take("tenant-a", capacity=5, rate_per_s=0.01)
                                       for _ in range(20)))
    assert sum(d.allowed for d in decisions) == 5
    refused = [d for d in decisions if not d.allowed]
    assert all(90 <= d.retry_after_s <= 101 for d in refused)  # one token per 100 s
    other = await limiter.take("tenant-b", capacity=5, rate_per_s=0.01)
    assert other.allowed and other.remaining == pytest.approx(4, abs=0.01)  # keys independent


async def test_tokens_come_back_at_the_rate_and_costs_are_weighed(limiter: RateLimiter) -> None:
    assert (await limiter.take("k", capacity=2, rate_per_s=20, cost=2)).allowed
    refused = await limiter.take("k", capacity=2, rate_per_s=20)
    assert not refused.allowed and 0 < refused.retry_after_s <= 0.06
    await asyncio.sleep(0.12)  # 2.4 tokens' worth, capped at 2
    again = await limiter.take("k", capacity=2, rate_per_s=20, cost=2)
    assert again.allowed and again.remaining < 0.5
    assert not (await limiter.take("k", capacity=2, rate_per_s=20, cost=3)).allowed
