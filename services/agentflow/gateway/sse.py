"""Server-Sent Events framing for ``StreamEvent`` streams, with keep-alive comments."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.responses import StreamingResponse

from agentflow.domain.events import StreamEvent

KEEPALIVE_S = 15.0


def frame(event: StreamEvent) -> bytes:
    data = json.dumps(event.data, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event.id}\nevent: {event.event}\ndata: {data}\n\n".encode()


async def _with_keepalive(
    request: Request, events: AsyncIterator[StreamEvent]
) -> AsyncIterator[bytes]:
    iterator = aiter(events)
    pending: asyncio.Task[StreamEvent] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=KEEPALIVE_S)
            if not done:
                if await request.is_disconnected():
                    return
                yield b": keep-alive\n\n"
                continue
            try:
                event = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield frame(event)
    finally:
        if pending is not None:
            pending.cancel()


def sse_response(request: Request, events: AsyncIterator[StreamEvent]) -> StreamingResponse:
    return StreamingResponse(
        _with_keepalive(request, events), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def last_event_id(request: Request) -> str | None:
    return request.headers.get("last-event-id") or request.query_params.get("last_event_id")
