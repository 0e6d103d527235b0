"""The agents as services: the answer workflow reaches retrieval, synthesis and citation by A2A
messages over Dapr service invocation (real HTTP through a stand-in for Dapr's HTTP API to each
agent service's ``/a2a`` endpoint), and the answer is the same as in one process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from agentflow.adapters.transport.dapr_invoke import DaprAgentTransport
from agentflow.agent_service.app import create_agent_app
from agentflow.domain.messages import AgentName
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import AgentsSettings, AgentTransportKind, DaprSettings
from tests.conftest import make_settings
from tests.fakes.dapr_http import FakeDaprHttp
from tests.integration.helpers import parse_sse, upload, wait_terminal
from tests.live import serving
from tests.server import free_port


async def test_a_question_is_answered_by_agent_services_over_dapr(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path, spans: Any) -> None:
    port = free_port()
    settings = make_settings(tmp_path / "data")
    settings.agents = AgentsSettings(transport=AgentTransportKind.DAPR)
    settings.dapr = DaprSettings(http_endpoint=f"http://127.0.0.1:{port}")
    container = build_container(settings, embedder=embedder)
    assert isinstance(container.transport, DaprAgentTransport)
    ids = settings.agents.app_ids
    dapr = FakeDaprHttp({ids[name.value]: create_agent_app(container.agents[name])
                         for name in (AgentName.RETRIEVAL, AgentName.SYNTHESIS,
                                      AgentName.CITATION)})
    app = create_app(container=container)
    async with serving(dapr.app, port), app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        document = (await upload(client, tiny_pdf)).json()["documents"][0]
        assert (await wait_terminal(client, document["id"]))["status"] == "ready"
        response = await asyncio.wait_for(client.post("/v1/queries", json={
            "question": "What does the text say about information?", "stream": True}), 30)
        events = parse_sse(response.text)
    assert events[-1]["event"] == "done" and events[-1]["data"]["citations"]
    assert [e["data"]["text"] for e in events if e["event"] == "token"]  # streamed by the service
    assert [path for _, path in dapr.calls] == ["a2a/retrieval", "a2a/synthesis", "a2a/citation"]
    assert [app_id for app_id, _ in dapr.calls] == [
        "agentflow-retrieval", "agentflow-synthesis", "agentflow-citation"]
    # One trace across the services: each agent service's request span continues the
    # traceparent of the gateway's agent span that sent the A2A message.
    finished = spans.get_finished_spans()
    by_id = {span.context.span_id: span for span in finished}
    query_trace = next(s for s in finished if s.name == "POST /v1/queries").context.trace_id
    for agent in ("retrieval", "synthesis", "citation"):
        served = next(s for s in finished if s.name == f"a2a {agent}")
        assert served.context.trace_id == query_trace
        chain = []
        span = served
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            chain.append(span.name)
        assert "POST /a2a/{name}" in chain and f"agent {agent}" in chain, chain


async def test_agentflow_agent_serves_one_agent_with_its_own_container(
        tmp_path: Path, embedder: Embedder) -> None:
    from agentflow.agent_service.service import create_agent_service
    from agentflow.cli.main import parser
    from agentflow.domain.messages import RetrievalRequest

    args = parser().parse_args(["agent", "retrieval", "--port", "9011"])
    assert args.name == "retrieval" and args.run.__name__ == "_agent"
    settings = make_settings(tmp_path / "data")
    settings.agents = AgentsSettings(transport=AgentTransportKind.DAPR)  # ignored by the service
    container = build_container(settings.model_copy(update={"agents": AgentsSettings()}),
                                embedder=embedder)
    app = create_agent_service(settings, AgentName.RETRIEVAL, container=container)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://agent") as client:
        assert (await client.get("/healthz")).json()["agents"] == ["retrieval"]
        assert (await client.get("/readyz")).json()["status"] == "ready"
        request = RetrievalRequest(tenant_id="default", query_id="q1", question="anything")
        answer = await client.post("/a2a/retrieval", json={
            "type": "RetrievalRequest", "message": request.model_dump(mode="json")})
        assert answer.status_code == 200 and answer.json()["type"] == "RetrievalResponse"
        wrong = await client.post("/a2a/synthesis", json={})
        assert wrong.status_code == 404 and wrong.json()["code"] == "agent_unavailable"
        junk = await client.post("/a2a/retrieval", json={"type": "Nope", "message": {}})
        assert junk.status_code == 422 and junk.json()["code"] == "invalid_input"


async def test_domain_events_go_through_dapr_pubsub_back_to_the_gateway(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    from agentflow.adapters.bus.dapr_pubsub import DaprPubSubEventBus
    from agentflow.settings import EventBusKind

    port = free_port()
    settings = make_settings(tmp_path / "data")
    settings.event_bus = EventBusKind.DAPR
    settings.dapr = DaprSettings(http_endpoint=f"http://127.0.0.1:{port}")
    container = build_container(settings, embedder=embedder)
    assert isinstance(container.bus, DaprPubSubEventBus)
    app = create_app(container=container)
    dapr = FakeDaprHttp({"agentflow-gateway": app})
    async with serving(dapr.app, port), app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        listed = (await client.get("/dapr/subscribe")).json()
        assert {"pubsubname": "pubsub", "topic": "alert.agent_fallback",
                "route": "/dapr/events/alert.agent_fallback"} in listed
        document = (await upload(client, tiny_pdf)).json()["documents"][0]
        assert (await wait_terminal(client, document["id"]))["status"] == "ready"
        response = await client.post("/v1/queries", json={"question": "information?",
                                                           "stream": True})
        done = parse_sse(response.text)[-1]["data"]
    assert ("pubsub", "query.completed") in dapr.published
    heard = container.bus.recent("query.*")
    assert heard and heard[0].data["query_id"] == done["query_id"]
    assert heard[0].trace_id == done["trace_id"]
