"""``RateLimiter`` on Redis: one atomic Lua script per request, shared by every replica.

The bucket is a hash (tokens, at) that expires once it would be full again, so idle tenants
cost no memory. Time comes from the Redis server (``TIME``), not the callers' clocks.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agentflow.adapters.outages import translate_outages
from agentflow.ports.rate_limiter import RateDecision

# KEYS: bucket. ARGV: capacity, rate per second, cost. Returns {allowed, remaining, wait}.
_TAKE = """
local capacity, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(wait)}
"""


@translate_outages("redis", RedisConnectionError, RedisTimeoutError)
class RedisRateLimiter:
    def __init__(self, redis: Redis, *, prefix: str = "agentflow:rate:") -> None:
        self._prefix = prefix
        self._take = redis.register_script(_TAKE)

    async def take(self, key: str, *, capacity: float, rate_per_s: float,
                   cost: float = 1.0) -> RateDecision:
        allowed, remaining, wait = await self._take(
            keys=[f"{self._prefix}{key}"], args=[capacity, rate_per_s, cost])
        return RateDecision(allowed=bool(int(allowed)), remaining=float(remaining),
                            retry_after_s=float(wait))
