"""``EventLog`` in memory: a bounded ring per stream, woken readers, resumable by id."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from agentflow.domain.events import StreamEvent


class _Stream:
    def __init__(self, capacity: int) -> None:
        self.events: deque[StreamEvent] = deque(maxlen=capacity)
        self.next_id = 1
        self.changed = asyncio.Event()


class MemoryEventLog:
    """Event ids are decimal sequence numbers; ``after`` resumes strictly after one."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._streams: dict[str, _Stream] = {}

    def _stream(self, name: str) -> _Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = _Stream(self._capacity)
        return stream

    async def append(self, stream: str, event: str, data: dict[str, Any]) -> StreamEvent:
        target = self._stream(stream)
        item = StreamEvent(id=str(target.next_id), event=event, data=data)
        target.next_id += 1
        target.events.append(item)
        target.changed.set()
        target.changed = asyncio.Event()
        return item

    async def subscribe(
        self, stream: str, *, after: str | None = None, until: frozenset[str] = frozenset()
    ) -> AsyncIterator[StreamEvent]:
        position = _parse(after)
        while True:
            target = self._stream(stream)
            waiter = target.changed
            for item in [e for e in target.events if int(e.id) > position]:
                position = int(item.id)
                yield item
                if item.event in until:
                    return
            await waiter.wait()

    async def last(self, stream: str) -> StreamEvent | None:
        target = self._streams.get(stream)
        return target.events[-1] if target and target.events else None

    async def close_stream(self, stream: str) -> None:
        self._streams.pop(stream, None)


def _parse(after: str | None) -> int:
    if after is None:
        return 0
    try:
        return max(0, int(after))
    except ValueError:
        return 0
