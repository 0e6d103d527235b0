"""``GET /v1/events`` over a real WebSocket (the ``websockets`` client against uvicorn): a
tenant's document events live, authentication in the subprotocol header or the first message
(never the URL), tenant isolation, resume from an event id, heartbeats, and a slow client dropped
instead of slowing anyone."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from agentflow.domain.identity import Tenant
from agentflow.domain.jobs import documents_feed
from agentflow.gateway.app import create_app
from agentflow.gateway.routers import events_ws
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import AuthSettings
from tests.conftest import make_settings
from tests.live import serving

SECRET = "an-hs256-secret-for-websocket-tests-0123456789"


def token(tenant: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "u", "tenant_id": tenant, "role": "user", "iat": now,
                       "exp": now + 300}, SECRET, algorithm="HS256")


@pytest.fixture
async def served(tmp_path: Path, embedder: Embedder) -> AsyncIterator[tuple[str, Any]]:
    settings = make_settings(tmp_path)
    settings.auth = AuthSettings(enabled=True, jwt_secret=SecretStr(SECRET),
                                 requests_per_minute=0)
    container = build_container(settings, embedder=embedder)
    app = create_app(container=container)
    async with serving(app) as base:
        for tenant in ("acme", "beta"):
            await container.identities.create_tenant(Tenant(id=tenant, created_at=datetime.now(UTC)))
        yield base, container


def ws_url(base: str, query: str = "") -> str:
    return base.replace("http://", "ws://") + "/v1/events" + query


async def next_event(socket: ClientConnection, timeout_s: float = 60) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), timeout_s))
        if message["event"] != "heartbeat":
            return dict(message)


async def until_settled(socket: ClientConnection, document_id: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["event"] not in {"ready", "failed"}:
        event = await next_event(socket, timeout_s=120)
        assert event["data"]["document_id"] == document_id
        seen.append(event)
    return seen


async def post_pdf(base: str, tenant: str, pdf: Path) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        response = await client.post(
            "/v1/documents", headers={"Authorization": f"Bearer {token(tenant)}"},
            files=[("file", (pdf.name, pdf.read_bytes(), "application/pdf"))])
    assert response.status_code == 202, response.text
    return str(response.json()["documents"][0]["id"])


async def test_a_tenant_sees_its_documents_progress_live_and_no_one_elses(
        served: tuple[str, Any], small_pdf: Path) -> None:
    base, _ = served
    # acme authenticates in the subprotocol header, beta in its first message.
    async with connect(ws_url(base), subprotocols=[  # type: ignore[list-item]
            "agentflow", f"agentflow.bearer.{token('acme')}"]) as acme, \
            connect(ws_url(base), subprotocols=["agentflow"]) as beta:  # type: ignore[list-item]
        assert acme.subprotocol == "agentflow"
        await beta.send(json.dumps({"token": token("beta")}))
        document_id = await post_pdf(base, "acme", small_pdf)
        events = await until_settled(acme, document_id)
        assert events[-1]["event"] == "ready"
        assert events[-1]["data"]["status"] == "ready" and events[-1]["data"]["chunks"] > 0
        progress = [e for e in events if e["event"] == "progress"]
        assert progress and {"stage", "done", "total", "detail"} <= set(progress[0]["data"])
        ids = [int(e["id"]) for e in events]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        # beta saw nothing of acme's document, then sees its own.
        with pytest.raises(TimeoutError):
            await next_event(beta, timeout_s=0.5)
        own = await post_pdf(base, "beta", small_pdf)
        assert (await until_settled(beta, own))[-1]["event"] == "ready"

    # Resume: a new connection after the first progress event replays the rest, in order.
    async with connect(ws_url(base, f"?after={events[0]['id']}"), subprotocols=[  # type: ignore[list-item]
            "agentflow", f"agentflow.bearer.{token('acme')}"]) as again:
        replayed = await until_settled(again, document_id)
    assert [e["id"] for e in replayed] == [e["id"] for e in events[1:]]


async def test_a_socket_without_valid_credentials_is_closed(served: tuple[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            ) -> None:
    base, _ = served
    monkeypatch.setattr(events_ws, "AUTH_WAIT_S", 0.5)
    for subprotocols, first in (([f"agentflow.bearer.{token('acme')}x"], None),
                                (["agentflow"], {"token": "not-a-token"}),
                                (["agentflow"], None)):  # says nothing: timed out
        async with connect(ws_url(base), subprotocols=subprotocols) as socket:  # type: ignore[arg-type]
            if first is not None:
                await socket.send(json.dumps(first))
            problem = await next_event(socket, timeout_s=10)
            assert problem["event"] == "error"
            assert problem["data"]["code"] == "unauthenticated"
            with pytest.raises(ConnectionClosed) as closed:
                await socket.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    # A token in the URL is not a credential.
    async with connect(ws_url(base, f"?token={token('acme')}"),
                       subprotocols=["agentflow"]) as socket:  # type: ignore[list-item]
        problem = await next_event(socket, timeout_s=10)
        assert problem["event"] == "error"


async def test_a_new_socket_starts_live_and_heartbeats_keep_it_alive(served: tuple[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    base, container = served
    monkeypatch.setattr(events_ws, "HEARTBEAT_S", 0.2)
    for n in range(300):  # history: a new connection starts live, it does not replay it
        await container.events.append(documents_feed("acme"), "progress",
                                      {"document_id": "d", "n": n})
    async with connect(ws_url(base), subprotocols=[  # type: ignore[list-item]
            "agentflow", f"agentflow.bearer.{token('acme')}"]) as socket:
        beats = [json.loads(await asyncio.wait_for(socket.recv(), 5)) for _ in range(3)]
        await container.events.append(documents_feed("acme"), "ready",
                                      {"document_id": "d", "n": 300})
        live = await next_event(socket, timeout_s=5)
    assert [b["event"] for b in beats] == ["heartbeat"] * 3
    assert live["event"] == "ready" and live["data"]["n"] == 300 and live["id"] == "301"
    # An id beyond the newest (a log trimmed or restarted) replays what the log holds.
    async with connect(ws_url(base, "?after=9999"), subprotocols=[  # type: ignore[list-item]
            "agentflow", f"agentflow.bearer.{token('acme')}"]) as socket:
        first = await next_event(socket, timeout_s=5)
    assert first["id"] == "1"


async def test_a_client_too_far_behind_is_dropped_and_can_resume(
        served: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    base, container = served
    monkeypatch.setattr(events_ws, "QUEUE", 4)
    feed = documents_feed("acme")
    for n in range(40):  # a backlog larger than the queue, as a client far behind would have
        await container.events.append(feed, "progress", {"document_id": "d", "n": n})
    received: list[dict[str, Any]] = []
    async with connect(ws_url(base, "?after=0"), subprotocols=[  # type: ignore[list-item]
            "agentflow", f"agentflow.bearer.{token('acme')}"]) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                received.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    assert 0 < len(received) < 40
    # Ingestion (the writer) never waited; the client resumes where it stopped.
    async with connect(ws_url(base, f"?after={received[-1]['id']}"), subprotocols=[  # type: ignore[list-item]
            "agentflow", f"agentflow.bearer.{token('acme')}"]) as socket:
        rest = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert rest["data"]["n"] == received[-1]["data"]["n"] + 1
