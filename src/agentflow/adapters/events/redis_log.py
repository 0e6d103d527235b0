"""``EventLog`` on Redis Streams: XADD with MAXLEN, XREAD BLOCK, resume by id.

Ids are the same decimal sequence numbers as the in-memory log (the stream id ``0-n``, assigned
atomically by a Lua script), so ``Last-Event-ID`` means the same under both profiles and any
gateway replica can resume any stream. Streams expire ``ttl_s`` after their last event; a reader
of a stream that was closed (its owner deleted) or expired ends instead of waiting forever; a
reader outlives a Redis restart and goes on from the last id it delivered.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agentflow.adapters.outages import translate_outages
from agentflow.domain.events import StreamEvent, sequence_after

# KEYS: stream, counter. ARGV: maxlen, ttl, event, data. Returns the new sequence number.
_APPEND = """
local n = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '0-' .. n, 'event', ARGV[3], 'data', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return n
"""


@translate_outages("redis", RedisConnectionError, RedisTimeoutError)
class RedisEventLog:
    def __init__(self, redis: Redis, *, prefix: str = "agentflow:events:",
                 capacity: int = 10_000, ttl_s: int = 7 * 24 * 3600,
                 block_ms: int = 1_000) -> None:
        self._redis = redis
        self._prefix = prefix
        self._capacity = capacity
        self._ttl_s = ttl_s
        self._block_ms = block_ms
        self._append = redis.register_script(_APPEND)

    def _keys(self, stream: str) -> tuple[str, str]:
        return f"{self._prefix}{stream}", f"{self._prefix}{stream}:seq"

    async def append(self, stream: str, event: str, data: dict[str, Any]) -> StreamEvent:
        n = await self._append(keys=list(self._keys(stream)),
                               args=[self._capacity, self._ttl_s, event,
                                     json.dumps(data, separators=(",", ":"))])
        return StreamEvent(id=str(int(n)), event=event, data=data)

    async def subscribe(
        self, stream: str, *, after: str | None = None, until: frozenset[str] = frozenset()
    ) -> AsyncIterator[StreamEvent]:
        key, counter = self._keys(stream)
        position = f"0-{sequence_after(after)}"
        existed: bool | None = None  # unknown until Redis answers
        while True:
            try:
                if existed is None:
                    existed = bool(await self._redis.exists(counter))
                batches: Any = await self._redis.xread({key: position}, count=500,
                                                       block=self._block_ms)
                # Nothing new: a stream that existed may have been closed or expired under us.
                exists = bool(batches) or bool(await self._redis.exists(counter))
            except (RedisConnectionError, RedisTimeoutError):
                # Redis restarting: readers wait and resume from their position.
                await asyncio.sleep(self._block_ms / 1000)
                continue
            if existed and not exists:
                return
            existed = existed or exists
            for raw_id, fields in batches[0][1] if batches else []:
                position = _text(raw_id)
                item = _event(position, fields)
                yield item
                if item.event in until:
                    return

    async def last(self, stream: str) -> StreamEvent | None:
        key, _ = self._keys(stream)
        entries: Any = await self._redis.xrevrange(key, count=1)
        if not entries:
            return None
        raw_id, fields = entries[0]
        return _event(_text(raw_id), fields)

    async def close_stream(self, stream: str) -> None:
        await self._redis.delete(*self._keys(stream))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _event(stream_id: str, fields: dict[Any, Any]) -> StreamEvent:
    decoded = {_text(k): _text(v) for k, v in fields.items()}
    return StreamEvent(id=stream_id.split("-", 1)[1], event=decoded["event"],
                       data=json.loads(decoded["data"]))

