"""``AuditLog`` on Redis Streams: ``p audit:{tenant}``, one ``XADD`` per entry (ids from Redis,
increasing), paged with ``XREVRANGE``; no API path ever calls ``XDEL`` or trims it."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agentflow.adapters.outages import translate_outages
from agentflow.domain.identity import AuditEntry


@translate_outages("redis", RedisConnectionError, RedisTimeoutError)
class RedisAuditLog:
    def __init__(self, redis: Redis, *, prefix: str = "agentflow:") -> None:
        self._r = redis
        self._p = prefix

    async def append(self, entry: AuditEntry) -> AuditEntry:
        entry_id = await self._r.xadd(f"{self._p}audit:{entry.tenant_id}",
                                      {"body": entry.model_dump_json()})
        name = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        return entry.model_copy(update={"id": name})

    async def page(self, tenant_id: str, *, limit: int = 50,
                   before: str | None = None) -> list[AuditEntry]:
        top = f"({before}" if before else "+"
        rows: list[Any] = await self._r.xrevrange(f"{self._p}audit:{tenant_id}", max=top,
                                                  min="-", count=limit) or []
        entries = []
        for entry_id, fields in rows:
            name = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            body = fields.get(b"body", fields.get("body"))
            entries.append(AuditEntry.model_validate_json(body).model_copy(update={"id": name}))
        return entries

    async def close(self) -> None:
        """The Redis client belongs to the container."""
