"""Alert delivery to a real webhook on loopback: retried through 5xx answers with back-off,
given up on a 4xx, and never blocking the caller (a hanging webhook leaves ``notify`` instant
and the query that triggered the alert unaffected)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agentflow.domain.monitoring import Alert
from agentflow.gateway.app import create_app
from agentflow.observability.alerts import WebhookNotifier
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings
from tests.integration.helpers import parse_sse, upload, wait_terminal
from tests.live import serving


class Receiver:
    """A webhook that answers ``statuses`` in turn (then 200), or hangs."""

    def __init__(self, *statuses: int, hang_s: float = 0.0) -> None:
        self.statuses = list(statuses)
        self.hang_s = hang_s
        self.received: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> JSONResponse:
        self.received.append(await request.json())
        if self.hang_s:
            await asyncio.sleep(self.hang_s)
        return JSONResponse({}, status_code=self.statuses.pop(0) if self.statuses else 200)


def alert(n: int = 1) -> Alert:
    return Alert(id=f"alert_{n}", kind="latency_spike", severity="warning", subject="answers",
                 message="answer p95 latency is 2000 ms, against 200 ms before",
                 value=2000, baseline=200, at=datetime.now(UTC), delivery="pending")


async def test_the_webhook_is_retried_until_it_accepts() -> None:
    receiver = Receiver(503, 500)
    async with serving(receiver.app) as url:
        notifier = WebhookNotifier(f"{url}/hook", attempts=4, first_backoff_s=0.05)
        sent = alert()
        notifier.notify(sent)
        await asyncio.wait_for(notifier.drain(), 10)
        await notifier.close()
    assert len(receiver.received) == 3  # 503, 500, then 200
    assert receiver.received[-1]["id"] == "alert_1" and "delivery" not in receiver.received[-1]
    assert sent.delivery == "delivered"


async def test_a_refusing_or_dead_webhook_gives_up() -> None:
    receiver = Receiver(400)
    async with serving(receiver.app) as url:
        notifier = WebhookNotifier(f"{url}/hook", attempts=4, first_backoff_s=0.01)
        refused = alert(1)
        notifier.notify(refused)
        await asyncio.wait_for(notifier.drain(), 10)
        await notifier.close()
    assert len(receiver.received) == 1 and refused.delivery == "failed"  # 4xx: no retry
    dead = WebhookNotifier("http://127.0.0.1:9/hook", attempts=3, first_backoff_s=0.01)
    lost = alert(2)
    dead.notify(lost)
    await asyncio.wait_for(dead.drain(), 10)
    await dead.close()
    assert lost.delivery == "failed"


async def test_a_hanging_webhook_never_blocks_a_query(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    """The monitor raises alerts while the webhook takes 5 s per call: queries answer as fast
    as without it and ``notify`` returns at once."""
    receiver = Receiver(hang_s=5.0)
    async with serving(receiver.app) as url:
        settings = make_settings(tmp_path)
        settings.monitor.webhook_url = f"{url}/hook"
        container = build_container(settings, embedder=embedder)
        app = create_app(container=container)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test",
                timeout=60) as client:
            document = (await upload(client, tiny_pdf)).json()["documents"][0]
            await wait_terminal(client, document["id"])
            # An external alert (an agent fell back) reaches the webhook through the monitor.
            from agentflow.domain.events import DomainEvent

            await container.bus.publish(DomainEvent(
                type="alert.agent_fallback", tenant_id="default",
                data={"agent": "synthesis", "reason": "model m1 failed 3 time(s)"}))
            started = time.monotonic()
            for _ in range(3):
                response = await client.post("/v1/queries", json={
                    "question": "What does the text say about information?", "stream": True})
                assert parse_sse(response.text)[-1]["event"] == "done"
            assert time.monotonic() - started < 4  # three answers, not one webhook timeout
            stored = await container.monitor.alerts()
            assert stored[0].kind == "agent_fallback" and stored[0].delivery == "pending"
            for _ in range(100):
                if receiver.received:
                    break
                await asyncio.sleep(0.05)
            assert receiver.received[0]["kind"] == "agent_fallback"
        quick = WebhookNotifier(f"{url}/hook", attempts=1)
        started = time.monotonic()
        for n in range(100):
            quick.notify(alert(n))
        assert time.monotonic() - started < 0.5
        await quick.close()
