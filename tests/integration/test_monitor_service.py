"""``agentflow monitor`` behind Dapr pub/sub: a gateway publishes its domain events through
(a stand-in for) Dapr's publish API; the monitor's subscription routes receive them and its
snapshot shows the ingestion and the answered query, and the gateway's admin API reads it through
Dapr service invocation. Embedded, the same agent hears the in-process bus."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from agentflow.gateway.app import create_app
from agentflow.monitor.app import create_monitor_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import DaprSettings, EventBusKind, Settings
from tests.conftest import make_settings
from tests.fakes.dapr_http import FakeDaprHttp
from tests.integration.helpers import upload, wait_terminal
from tests.live import serving
from tests.server import free_port


async def _ingest_and_ask(client: httpx.AsyncClient, pdf: Path) -> None:
    document = (await upload(client, pdf)).json()["documents"][0]
    assert (await wait_terminal(client, document["id"]))["status"] == "ready"
    response = await asyncio.wait_for(client.post("/v1/queries", json={
        "question": "What does the text say about information?", "stream": True}), 60)
    assert response.status_code == 200, response.text


async def _report(client: httpx.AsyncClient) -> dict[str, object]:
    for _ in range(100):  # delivery is asynchronous after the publish returns
        body: dict[str, object] = (await client.get("/v1/monitor/snapshot")).json()
        if body["tenants"]:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the monitor heard no query")


async def test_the_monitor_service_hears_the_gateway_through_dapr_pubsub(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    port = free_port()
    dapr = DaprSettings(http_endpoint=f"http://127.0.0.1:{port}")
    monitor = create_monitor_app(Settings(dapr=dapr))
    settings = make_settings(tmp_path)
    settings.event_bus, settings.dapr = EventBusKind.DAPR, dapr
    settings.monitor.app_id = "monitor"
    gateway = create_app(container=build_container(settings, embedder=embedder))
    fake = FakeDaprHttp({"monitor": monitor})
    async with serving(fake.app, port), monitor.router.lifespan_context(monitor), \
            gateway.router.lifespan_context(gateway), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway),
                              base_url="http://gateway", timeout=60) as client, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=monitor),
                              base_url="http://monitor") as monitor_client:
        assert (await monitor_client.get("/readyz")).json()["status"] == "ready"
        subscribed = (await monitor_client.get("/dapr/subscribe")).json()
        assert {s["topic"] for s in subscribed} >= {"query.completed", "document.ready"}
        await _ingest_and_ask(client, tiny_pdf)
        report = await _report(monitor_client)
        admin = (await client.get("/v1/admin/metrics")).json()  # gateway -> Dapr -> monitor
        agents = (await client.get("/v1/admin/agents")).json()
        minutes = (await client.get("/v1/admin/metrics", params={"series": "minute"})).json()
        hours = (await client.get("/v1/admin/metrics", params={"series": "hour"})).json()
        bad = await client.get("/v1/admin/metrics", params={"series": "week"})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    assert (minutes["resolution"], minutes["step_s"], hours["step_s"]) == ("minute", 60, 3600)
    charted = {s["subject"]: s["points"] for s in minutes["series"]}
    assert set(charted) == {"answers", "retrieval", "synthesis", "citation"}
    assert len(charted["answers"]) == 60 and len(hours["series"][0]["points"]) == 24
    answered = [p for p in charted["answers"] if p["calls"]]
    assert len(answered) == 1 and answered[0]["p95_ms"] > 0 and answered[0]["error_rate"] == 0
    assert ("monitor", "v1/monitor/series") in fake.calls
    assert ("pubsub", "document.ready") in fake.published
    assert report["documents"]["default"]["ready"] == 1  # type: ignore[index]
    assert report["documents"]["default"]["pages"] == 4  # type: ignore[index]
    assert report["tenants"]["default"]["completed"] == 1  # type: ignore[index]
    assert report["answers"]["calls"] == 1 and report["answers"]["p95_ms"] > 0  # type: ignore[index]
    assert {u["agent"] for u in report["usage"]} >= {"retrieval", "synthesis"}  # type: ignore[attr-defined]
    assert ("monitor", "v1/monitor/snapshot") in fake.calls
    assert admin["tenants"]["default"]["completed"] == 1
    assert {a["agent"]: a["window"]["calls"] for a in agents}["synthesis"] == 1


async def test_embedded_the_monitor_hears_the_in_process_bus(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    container = build_container(make_settings(tmp_path), embedder=embedder)
    app = create_app(container=container)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        await _ingest_and_ask(client, tiny_pdf)
        for _ in range(100):
            report = await container.monitor.snapshot()
            if report.tenants:
                break
            await asyncio.sleep(0.05)
    assert report.documents["default"].ready == 1
    assert report.tenants["default"].completed == 1
