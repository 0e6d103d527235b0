"""Both workflows end to end on Dapr's real ``WorkflowRuntime`` and ``DaprWorkflowClient``, over
the in-memory durabletask backend (no ``daprd`` here), through the HTTP API with a real PDF:
ingestion fans out and ends ``ready``; a question is answered with verified citations; an agent
that fails twice and then succeeds gives one answer, its retries visible in the stream."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from agentflow.adapters.transport.inprocess import InProcessAgentTransport
from agentflow.adapters.workflow.dapr_engine import DaprWorkflowEngine
from agentflow.domain.messages import AgentName
from agentflow.domain.workflows import WorkflowStatus
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import (
    DaprSettings,
    QuerySettings,
    VectorSettings,
    WorkflowEngineKind,
    WorkflowSettings,
)
from tests.conftest import make_settings
from tests.fakes.durabletask_sidecar import FakeSidecar
from tests.integration.helpers import parse_sse, upload, wait_terminal
from tests.integration.test_query_failures import Faulty


async def test_ingest_and_answer_run_on_dapr_with_visible_retries(
        tmp_path: Path, embedder: Embedder, small_pdf: Path) -> None:
    with FakeSidecar() as sidecar:
        settings = make_settings(tmp_path / "data")
        settings.workflow = WorkflowSettings(engine=WorkflowEngineKind.DAPR)
        settings.dapr = DaprSettings(grpc_host=sidecar.host, grpc_port=sidecar.port)
        settings.query = QuerySettings(first_retry_s=0.05)
        container = build_container(settings, embedder=embedder)
        assert isinstance(container.engine, DaprWorkflowEngine)
        transport = container.transport
        assert isinstance(transport, InProcessAgentTransport)
        faulty = Faulty(transport.registered(AgentName.SYNTHESIS), failures=2)
        transport.register(faulty)
        app = create_app(container=container)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test",
                timeout=60) as client:
            document = (await upload(client, small_pdf)).json()["documents"][0]
            ready = await wait_terminal(client, document["id"], timeout_s=180)
            assert ready["status"] == "ready" and ready["chunks"] > 0, ready
            response = await asyncio.wait_for(client.post("/v1/queries", json={
                "question": "What were Apple's total net sales?", "stream": True}), 60)
            events = parse_sse(response.text)
            query_id = events[-1]["data"]["query_id"]
            state = await container.engine.wait_for_workflow_completion(query_id, timeout_s=30)
            assert state.status is WorkflowStatus.COMPLETED
            assert state.output == {"status": "completed"}
    hub = sidecar.hub
    assert {"ingest_begin", "ingest_extract", "ingest_embed", "ingest_commit",
            "query_retrieve", "query_synthesize", "query_cite",
            "query_finalize"} <= set(hub.activity_calls)
    assert hub.activity_calls.count("query_synthesize") == 3  # two failures, one success
    synthesis = [(e["data"]["status"], e["data"]["attempt"]) for e in events
                 if e["event"] == "agent" and e["data"]["agent"] == "synthesis"]
    assert synthesis == [("started", 1), ("retrying", 1), ("started", 2), ("retrying", 2),
                         ("started", 3), ("completed", 3)]
    assert events[-1]["event"] == "done" and events[-1]["data"]["citations"]
    assert faulty.calls == 3
    assert [i.id for i in hub.instances.values() if i.name == "answer_question"] == [query_id]


async def test_the_gateway_starts_workflows_that_the_orchestrator_runs(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    """Two processes' worth of containers: a gateway that only starts workflows and an
    orchestrator running them, sharing Redis (catalog, event streams) and the blob volume."""
    from agentflow.orchestrator.app import create_orchestrator_app
    from tests.conftest import redis_scope

    async with redis_scope() as (_, prefix):
        with FakeSidecar() as sidecar:
            def settings(worker: bool) -> Any:
                made = make_settings(tmp_path / "shared-volume")
                made.redis_url, made.redis_prefix = "redis://127.0.0.1:6379/0", prefix
                made.vector = VectorSettings(url=":memory:")  # only the orchestrator indexes
                made.workflow = WorkflowSettings(engine=WorkflowEngineKind.DAPR, worker=worker)
                made.dapr = DaprSettings(grpc_host=sidecar.host, grpc_port=sidecar.port)
                return made

            orchestrator = create_orchestrator_app(
                settings(True), container=build_container(settings(True), embedder=embedder))
            gateway_container = build_container(settings(False), embedder=embedder)
            gateway = create_app(container=gateway_container)
            async with orchestrator.router.lifespan_context(orchestrator), \
                    gateway.router.lifespan_context(gateway), httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=gateway), base_url="http://test",
                        timeout=60) as client:
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=orchestrator),
                                             base_url="http://orchestrator") as probe:
                    ready = (await probe.get("/readyz")).json()  # Redis and the index answer
                    assert ready["status"] == "ready" and set(ready["checks"]) == {
                        "catalog", "vector_index", "event_log"}
                document = (await upload(client, tiny_pdf)).json()["documents"][0]
                assert (await wait_terminal(client, document["id"]))["status"] == "ready"
                response = await asyncio.wait_for(client.post("/v1/queries", json={
                    "question": "What does the text say about information?",
                    "stream": True}), 60)
                events = parse_sse(response.text)
    assert events[-1]["event"] == "done" and events[-1]["data"]["citations"]
    assert {i.name for i in sidecar.hub.instances.values()} == {"ingest_document",
                                                                "answer_question"}


async def test_dapr_activities_continue_the_callers_trace(
        tmp_path: Path, embedder: Embedder, small_pdf: Path, spans: Any) -> None:
    """Activities run by Dapr's runtime (another thread, replayed workflow code) are spans of
    the trace the request started, through the traceparent the workflow input carries."""
    with FakeSidecar() as sidecar:
        settings = make_settings(tmp_path / "data")
        settings.workflow = WorkflowSettings(engine=WorkflowEngineKind.DAPR)
        settings.dapr = DaprSettings(grpc_host=sidecar.host, grpc_port=sidecar.port)
        container = build_container(settings, embedder=embedder)
        app = create_app(container=container)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test",
                timeout=60) as client:
            document = (await upload(client, small_pdf)).json()["documents"][0]
            assert (await wait_terminal(client, document["id"], timeout_s=180))["status"] == "ready"
            caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            response = await asyncio.wait_for(client.post(
                "/v1/queries", json={"question": "What were Apple's total net sales?",
                                     "stream": True}, headers={"traceparent": caller}), 60)
            assert parse_sse(response.text)[-1]["event"] == "done"
            query_id = response.headers["x-query-id"]
            await container.engine.wait_for_workflow_completion(query_id, timeout_s=30)
    trace = int("4bf92f3577b34da6a3ce929d0e0e4736", 16)
    finished = [s for s in spans.get_finished_spans() if s.context.trace_id == trace]
    by_id = {s.context.span_id: s for s in finished}
    activities = {s.name: s for s in finished if s.name.startswith("activity query_")}
    assert set(activities) >= {"activity query_retrieve", "activity query_synthesize",
                               "activity query_cite", "activity query_finalize"}
    for span in activities.values():
        ancestor = span
        while ancestor.parent is not None and ancestor.parent.span_id in by_id:
            ancestor = by_id[ancestor.parent.span_id]
        # The chain ends at the request's server span, whose parent is the caller's span.
        assert ancestor.name == "POST /v1/queries", span.name
        assert ancestor.parent is not None and ancestor.parent.is_remote
        assert format(ancestor.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert any(s.name == "agent retrieval" and s.parent is not None
               and s.parent.span_id == activities["activity query_retrieve"].context.span_id
               for s in finished)
