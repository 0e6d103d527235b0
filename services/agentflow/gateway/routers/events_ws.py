"""``GET /v1/events`` as a WebSocket: every document event of the caller's tenant, live.

The same ``progress``, ``ready`` and ``failed`` payloads as each document's SSE stream, with the
document's id, as JSON messages ``{"id", "event", "data"}``; ``?after=<id>`` resumes after an
event. The caller authenticates as on the REST API, with the token in the
``Sec-WebSocket-Protocol`` header (offer ``agentflow`` and ``agentflow.bearer.<token>``) or in
a first message ``{"token": "..."}``, never in the URL. A heartbeat comes every
``HEARTBEAT_S`` without events. Messages wait in a bounded queue: a client that falls
``QUEUE`` messages behind is closed (1013) rather than slowing ingestion or holding memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from agentflow.domain.errors import AgentFlowError, Unauthenticated
from agentflow.domain.events import StreamEvent
from agentflow.gateway.deps import AuthenticatorDep, DocumentsDep
from agentflow.gateway.tenancy import tenant_from_headers

log = structlog.get_logger(__name__)
router = APIRouter()
PROTOCOL = "agentflow"
TOKEN_PROTOCOL = "agentflow.bearer."
HEARTBEAT_S = 15.0
QUEUE = 256
AUTH_WAIT_S = 10.0
DRAIN_S = 5.0


@router.websocket("/v1/events")
async def document_events(websocket: WebSocket, documents: DocumentsDep,
                          authenticator: AuthenticatorDep) -> None:
    offered = list(websocket.scope.get("subprotocols") or [])
    token = next((p.removeprefix(TOKEN_PROTOCOL) for p in offered
                  if p.startswith(TOKEN_PROTOCOL)), None)
    await websocket.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
    try:
        if token is None and authenticator.enabled:
            first = await asyncio.wait_for(websocket.receive_json(), AUTH_WAIT_S)
            token = str(first.get("token") or "") if isinstance(first, dict) else ""
        principal = await authenticator.authenticate(
            f"Bearer {token}" if token else None,
            named_tenant=tenant_from_headers(websocket.headers))
    except (AgentFlowError, TimeoutError, ValueError, WebSocketDisconnect) as error:
        reason = error.detail if isinstance(error, AgentFlowError) else "no token was sent"
        code = error.code if isinstance(error, AgentFlowError) else Unauthenticated.code
        with contextlib.suppress(Exception):
            await websocket.send_json({"event": "error", "data": {"code": code,
                                                                  "detail": reason}})
            await websocket.close(code=4401 if code == Unauthenticated.code else 4400,
                                  reason=reason[:120])
        return
    after = websocket.query_params.get("after") or None
    await _serve(websocket, await documents.feed(principal.tenant_id, after=after))


async def _serve(websocket: WebSocket, events: AsyncIterator[StreamEvent]) -> None:
    queue: asyncio.Queue[StreamEvent] = asyncio.Queue(maxsize=QUEUE)
    behind = asyncio.Event()

    async def pump() -> None:
        async for event in events:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                behind.set()
                return

    async def send() -> None:
        while not behind.is_set() or not queue.empty():
            try:
                event = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except TimeoutError:
                await websocket.send_json({"event": "heartbeat"})
                continue
            await websocket.send_json({"id": event.id, "event": event.event, "data": event.data})

    async def listen() -> None:
        while True:  # only to notice the client going away (it has nothing to say)
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    tasks = [asyncio.create_task(job()) for job in (pump, send, listen)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        failed = [task for task in done if not task.cancelled() and task.exception()]
        if failed and not isinstance(failed[0].exception(), WebSocketDisconnect):
            log.error("events_feed_failed", error=str(failed[0].exception())[:300])
            with contextlib.suppress(Exception):
                await websocket.close(code=1011, reason="the event feed failed")
        if behind.is_set():
            # What is queued still goes out (the client resumes after its last id), then close.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(tasks[1]), DRAIN_S)
            log.info("events_client_too_slow", queued=QUEUE)
            with contextlib.suppress(Exception):
                await websocket.close(code=1013, reason="the client fell too far behind")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        aclose = getattr(events, "aclose", None)  # end the subscription (a generator) now
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
