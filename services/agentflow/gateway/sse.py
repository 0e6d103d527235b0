"""Server-Sent Events framing for ``StreamEvent`` streams, with keep-alive comments.

A client that connects and never reads cannot make the server buffer without bound: frames are
produced one at a time only as the transport accepts them (the event log itself is bounded), and
a stream whose client has not taken a frame for ``limits.sse_stall_timeout_s`` is closed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import structlog
from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

from agentflow.domain.events import StreamEvent
from agentflow.observability import metrics

KEEPALIVE_S = 15.0
log = structlog.get_logger(__name__)


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


class EventStreamResponse(StreamingResponse):
    """A streaming response that gives up on a client that stops taking frames."""

    def __init__(self, content: AsyncIterator[bytes], *, stall_timeout_s: float) -> None:
        super().__init__(content, media_type="text/event-stream",
                         headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self.stall_timeout_s = stall_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stalled = False

        async def bounded_send(message: Message) -> None:
            # The server's send blocks while the socket's buffers are full (the client is not
            # reading); after the timeout the stream ends and the connection is dropped.
            nonlocal stalled
            try:
                await asyncio.wait_for(send(message), self.stall_timeout_s)
            except TimeoutError:
                stalled = True
                raise

        metrics.sse_streams.inc()
        try:
            await super().__call__(scope, receive, bounded_send)
        except (TimeoutError, ClientDisconnect):  # Starlette turns OSErrors into the latter
            if stalled:
                log.info("sse_client_stalled", stall_timeout_s=self.stall_timeout_s)
        finally:
            metrics.sse_streams.dec()


def sse_response(request: Request, events: AsyncIterator[StreamEvent]) -> StreamingResponse:
    limits = request.app.state.container.settings.limits
    return EventStreamResponse(_with_keepalive(request, events),
                               stall_timeout_s=limits.sse_stall_timeout_s)


def last_event_id(request: Request) -> str | None:
    return request.headers.get("last-event-id") or request.query_params.get("last_event_id")
