"""``PassageSets`` on Redis: every orchestrator replica reads what any of them retrieved."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import TypeAdapter
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agentflow.adapters.outages import translate_outages
from agentflow.domain.queries import Passage

_PASSAGES = TypeAdapter(list[Passage])


@translate_outages("redis", RedisConnectionError, RedisTimeoutError)
class RedisPassageSets:
    """One JSON value per query, expiring after ``ttl_s``."""

    def __init__(self, redis: Redis, *, prefix: str = "agentflow:", ttl_s: float = 3600.0) -> None:
        self._redis = redis
        self._prefix = f"{prefix}passages:"
        self._ttl_s = ttl_s

    def _key(self, tenant_id: str, query_id: str) -> str:
        return f"{self._prefix}{tenant_id}:{query_id}"

    async def put(self, tenant_id: str, query_id: str, passages: Sequence[Passage]) -> None:
        await self._redis.set(self._key(tenant_id, query_id),
                              _PASSAGES.dump_json(list(passages)),
                              px=max(1, round(self._ttl_s * 1000)))

    async def get(self, tenant_id: str, query_id: str) -> list[Passage] | None:
        raw = await self._redis.get(self._key(tenant_id, query_id))
        return None if raw is None else _PASSAGES.validate_json(raw)

    async def drop(self, tenant_id: str, query_id: str) -> None:
        await self._redis.delete(self._key(tenant_id, query_id))
