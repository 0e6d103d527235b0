"""``EventLog`` in memory: a bounded ring per stream, woken readers, resumable by id.

Bounded twice: each stream keeps its last ``capacity`` events, and the log keeps its
``max_streams`` most recently written streams (every query makes one). A reader of an evicted
stream ends instead of waiting forever; the owner (document, query record) still has the outcome.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from typing import Any

from agentflow.domain.events import StreamEvent, sequence_after


class _Stream:
    def __init__(self, capacity: int) -> None:
        self.events: deque[StreamEvent] = deque(maxlen=capacity)
        self.next_id = 1
        self.changed = asyncio.Event()
        self.evicted = False


class MemoryEventLog:
    """Event ids are decimal sequence numbers; ``after`` resumes strictly after one."""

    def __init__(self, capacity: int = 10_000, *, max_streams: int = 20_000) -> None:
        self._capacity = capacity
        self._max_streams = max_streams
        self._streams: OrderedDict[str, _Stream] = OrderedDict()

    def _stream(self, name: str) -> _Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = _Stream(self._capacity)
            while len(self._streams) > self._max_streams:
                _, oldest = self._streams.popitem(last=False)
                self._drop(oldest)
        return stream

    @staticmethod
    def _drop(stream: _Stream) -> None:
        stream.evicted = True
        stream.changed.set()

    async def append(self, stream: str, event: str, data: dict[str, Any]) -> StreamEvent:
        target = self._stream(stream)
        item = StreamEvent(id=str(target.next_id), event=event, data=data)
        target.next_id += 1
        target.events.append(item)
        self._streams.move_to_end(stream)
        target.changed.set()
        target.changed = asyncio.Event()
        return item

    async def subscribe(
        self, stream: str, *, after: str | None = None, until: frozenset[str] = frozenset()
    ) -> AsyncIterator[StreamEvent]:
        position = sequence_after(after)
        target = self._stream(stream)
        while True:
            if target.evicted:
                return
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
        closed = self._streams.pop(stream, None)
        if closed is not None:
            self._drop(closed)

