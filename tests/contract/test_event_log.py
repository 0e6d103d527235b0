"""EventLog contract (in-memory ring, Redis Streams): ordering, live delivery, resume by id."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from agentflow.adapters.events.memory_log import MemoryEventLog
from agentflow.domain.events import StreamEvent
from agentflow.ports.event_log import EventLog
from tests.conftest import redis_scope


@pytest.fixture(params=["memory", "redis"])
async def log(request: pytest.FixtureRequest) -> AsyncIterator[EventLog]:
    if request.param == "memory":
        yield MemoryEventLog(capacity=100)
        return
    from agentflow.adapters.events.redis_log import RedisEventLog

    async with redis_scope() as (client, prefix):
        yield RedisEventLog(client, prefix=prefix, capacity=100, block_ms=50)


async def test_a_reader_of_a_closed_stream_ends(log: EventLog) -> None:
    await log.append("s", "x", {})
    reader = asyncio.ensure_future(_collect(log.subscribe("s", after="1")))
    await asyncio.sleep(0.1)
    await log.close_stream("s")
    assert await asyncio.wait_for(reader, 5) == []


async def test_replay_then_live_until_a_terminal_event(log: EventLog) -> None:
    await log.append("s", "progress", {"n": 1})
    await log.append("s", "progress", {"n": 2})

    async def later() -> None:
        await asyncio.sleep(0.05)
        await log.append("s", "progress", {"n": 3})
        await log.append("s", "ready", {"n": 4})
        await log.append("s", "progress", {"n": 5})

    task = asyncio.create_task(later())
    got = [e async for e in log.subscribe("s", until=frozenset({"ready"}))]
    await task
    assert [e.data["n"] for e in got] == [1, 2, 3, 4]
    assert [int(e.id) for e in got] == sorted(int(e.id) for e in got)


async def test_resume_after_an_id_loses_nothing(log: EventLog) -> None:
    events = [await log.append("s", "progress", {"n": n}) for n in range(5)]
    await log.append("s", "ready", {})
    resumed = [e async for e in log.subscribe("s", after=events[2].id, until=frozenset({"ready"}))]
    assert [e.data.get("n") for e in resumed] == [3, 4, None]


async def test_streams_are_independent_and_last_reports_the_tail(log: EventLog) -> None:
    await log.append("a", "x", {})
    tail = await log.append("a", "y", {})
    assert await log.last("a") == tail and await log.last("b") is None
    await log.close_stream("a")
    assert await log.last("a") is None


async def test_old_streams_are_evicted_and_their_readers_end() -> None:
    bounded = MemoryEventLog(max_streams=2)
    await bounded.append("first", "x", {})
    reader = asyncio.ensure_future(_collect(bounded.subscribe("first", after="1")))
    await asyncio.sleep(0)
    await bounded.append("second", "x", {})
    await bounded.append("third", "x", {})  # "first" is the least recently written: evicted
    assert await asyncio.wait_for(reader, 2) == []
    assert await bounded.last("first") is None and await bounded.last("third") is not None


async def _collect(events: AsyncIterator[StreamEvent]) -> list[StreamEvent]:
    return [event async for event in events]
