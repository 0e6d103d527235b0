"""Observability through the API: Prometheus metrics move as an ingestion and a query happen
(bounded labels only), one query is one trace with the expected parent/child structure (the
in-memory exporter), log lines carry their ids and no secret or document text, and the admin
API serves the figures behind the dashboards."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from opentelemetry.sdk.trace import ReadableSpan
from prometheus_client.parser import text_string_to_metric_families

from agentflow.domain.events import DomainEvent
from agentflow.domain.queries import AgentUsage
from agentflow.observability import metrics
from agentflow.observability.logging import configure_logging
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import Container
from tests.fakes.openai_server import Reply, ScriptedOpenAI
from tests.fakes.scripted_agents import agents_responder
from tests.integration.helpers import parse_sse, upload, wait_terminal
from tests.integration.test_llm_agents import QUESTION, harness, model  # noqa: F401

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
_ID_LIKE = re.compile(r"^(doc|q|conv|evt|key)_[0-9a-f]{8,}|[0-9a-f]{32}$")


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_move_with_an_ingestion_and_a_query(
        client: httpx.AsyncClient, tiny_pdf: Path) -> None:
    before = await scrape(client)
    document = (await upload(client, tiny_pdf)).json()["documents"][0]
    ready = await wait_terminal(client, document["id"])
    events = parse_sse((await client.post("/v1/queries", json={
        "question": "What does the text say about information?", "stream": True})).text)
    assert events[-1]["event"] == "done"
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("agentflow_ingest_pages_total") == ready["pages"] == 4
    assert moved("agentflow_ingest_chunks_total") == ready["chunks"]
    assert moved("agentflow_ingest_documents_total", outcome="ready") == 1
    for stage in ("begin", "extract", "chunk", "embed", "commit"):
        assert moved("agentflow_ingest_stage_duration_seconds_count", stage=stage) >= 1
    assert value(after, "agentflow_documents", status="ready", tenant="default") == 1
    assert value(after, "agentflow_queue_depth", queue="ingestion") == 0
    assert moved("agentflow_http_requests_total", route="/v1/documents", method="POST",
                 status="202") == 1
    assert moved("agentflow_http_requests_total", route="/v1/documents/{document_id}",
                 method="GET", status="200") >= 1
    assert moved("agentflow_http_request_duration_seconds_count", route="/v1/queries",
                 method="POST", status="200") == 1
    for agent in ("retrieval", "synthesis", "citation"):
        assert moved("agentflow_agent_invocations_total", agent=agent, outcome="ok") == 1
        assert moved("agentflow_agent_duration_seconds_count", agent=agent, outcome="ok") == 1
    usage = events[-1]["data"]["usage"]["synthesis"]
    assert moved("agentflow_tokens_total", agent="synthesis", model=usage["model"],
                 tenant="default", direction="input") == usage["input_tokens"]
    assert moved("agentflow_queries_total", outcome="completed") == 1
    assert moved("agentflow_query_duration_seconds_count", outcome="completed") == 1
    assert moved("agentflow_query_time_to_first_token_seconds_count") == 1
    assert value(after, "agentflow_sse_streams") == 0  # every stream closed and counted down
    exported = metrics.exported_names()
    for (name, labels) in after:
        if name.startswith("agentflow_") and not name.endswith("_created"):
            assert name in exported, name
            assert {label for label, _ in labels} == exported[name], name
            assert not any(_ID_LIKE.search(v) for _, v in labels), (name, labels)


async def test_rate_limited_requests_are_counted_per_tenant(
        tmp_path: Path, embedder: Embedder) -> None:
    from agentflow.gateway.app import create_app
    from agentflow.runtime.container import build_container
    from tests.integration.test_auth_api import auth_settings, bearer, token

    container = build_container(auth_settings(tmp_path, requests_per_minute=2), embedder=embedder)
    app = create_app(container=container)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        from datetime import UTC, datetime

        from agentflow.domain.identity import Tenant

        await container.identities.create_tenant(Tenant(id="acme", created_at=datetime.now(UTC)))
        before = value(await scrape(client), "agentflow_rate_limited_total", tenant="acme")
        codes = [(await client.get("/v1/documents", headers=bearer(token()))).status_code
                 for _ in range(3)]
        after = value(await scrape(client), "agentflow_rate_limited_total", tenant="acme")
    assert codes == [200, 200, 429] and after - before == 1


def _tree(spans: list[ReadableSpan]) -> dict[int, ReadableSpan]:
    return {span.context.span_id: span for span in spans}


async def _finished(spans: Any, name: str) -> ReadableSpan:
    """The first finished span of that name, waiting (10 s at most) for it to end."""
    async with asyncio.timeout(10):
        while True:
            found = [s for s in spans.get_finished_spans() if s.name == name]
            if found:
                return found[0]
            await asyncio.sleep(0.02)


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


async def test_one_query_is_one_trace_through_agents_models_and_tools(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path,  # noqa: F811
        spans: Any) -> None:
    model.default("primary", Reply(responder=agents_responder()))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary") as h:
        heard: list[DomainEvent] = []

        async def listen(event: DomainEvent) -> None:
            heard.append(event)

        h.container.bus.subscribe("query.*", listen)
        spans.clear()
        caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        response = await h.http.post("/v1/queries", json={"question": QUESTION, "stream": True},
                                     headers={"traceparent": caller})
        assert parse_sse(response.text)[-1]["event"] == "done"
    trace_id = "0af7651916cd43dd8448eb211c80319c"  # the caller's trace is continued
    assert response.headers["x-trace-id"] == trace_id
    finished = [s for s in spans.get_finished_spans()
                if format(s.context.trace_id, "032x") == trace_id]
    by_id = _tree(finished)
    names = {span.name for span in finished}
    assert {"POST /v1/queries", "workflow answer_question", "activity query_retrieve",
            "agent retrieval", "agent synthesis", "agent citation", "model primary",
            "POST /mcp", "tool hybrid_search", "activity query_finalize"} <= names
    root = next(s for s in finished if s.name == "POST /v1/queries"
                and s.parent is not None and s.parent.is_remote)
    assert format(root.parent.span_id, "016x") == "b7ad6b7169203331"  # type: ignore[union-attr]

    def lineage(name: str) -> list[str]:
        return _ancestors(next(s for s in finished if s.name == name), by_id)

    assert lineage("workflow answer_question")[-1] == "POST /v1/queries"
    assert lineage("activity query_retrieve")[0] == "workflow answer_question"
    assert lineage("agent retrieval")[0] == "activity query_retrieve"
    assert "agent retrieval" in lineage("model primary")
    # The MCP tool call went over HTTP with the agent span's traceparent: same trace, nested.
    assert "agent retrieval" in lineage("POST /mcp")
    assert "agent retrieval" in lineage("tool hybrid_search")
    assert all(lineage(name)[-1] == "POST /v1/queries" for name in
               ("agent synthesis", "agent citation", "activity query_finalize"))
    completed = next(e for e in heard if e.type == "query.completed")
    assert completed.trace_id == trace_id and completed.traceparent is not None
    assert completed.traceparent.split("-")[1] == trace_id  # events carry the context too


async def test_an_ingestion_is_one_trace_down_to_its_batch_tasks(
        client: httpx.AsyncClient, tiny_pdf: Path, spans: Any) -> None:
    document = (await upload(client, tiny_pdf)).json()["documents"][0]
    await wait_terminal(client, document["id"])
    # The document turns ready inside the workflow's last activity, so its span may end a
    # moment after the client sees the status.
    workflow = await _finished(spans, "workflow ingest_document")
    trace = workflow.context.trace_id
    finished = [s for s in spans.get_finished_spans() if s.context.trace_id == trace]
    by_id = _tree(finished)
    assert _ancestors(workflow, by_id)[-1] == "POST /v1/documents"
    stages = {s.name for s in finished
              if s.parent is not None and s.parent.span_id == workflow.context.span_id}
    assert stages >= {"activity ingest_begin", "activity ingest_extract", "activity ingest_chunk",
                      "activity ingest_embed", "activity ingest_commit"}


def test_batch_tasks_continue_the_trace_their_rows_carry(spans: Any) -> None:
    """The rows handed to a worker carry the caller's context; the worker's span joins it."""
    from agentflow.domain.batches import BatchStage, PoolKind
    from agentflow.ingestion.stages import TRACE_COLUMN, run_traced, to_columns, with_trace
    from agentflow.observability import tracing

    stage = BatchStage(name="echo", factory=dict, pool=PoolKind.CPU, batch_size=2)
    with tracing.span("caller") as caller:
        rows = with_trace([{"text": "a"}, {"text": "b"}])
    assert all(row[TRACE_COLUMN].split("-")[1] == format(caller.get_span_context().trace_id,
                                                         "032x") for row in rows)
    out = run_traced(stage, lambda columns: {"n": [len(t) for t in columns["text"]]},
                     to_columns(rows))
    assert out == {"n": [1, 1]}
    batch = next(s for s in spans.get_finished_spans() if s.name == "batch echo")
    assert batch.parent is not None
    assert batch.parent.span_id == caller.get_span_context().span_id
    assert batch.context.trace_id == caller.get_span_context().trace_id


async def test_log_lines_carry_ids_and_no_secrets_or_document_text(
        client: httpx.AsyncClient, container: Container, tiny_pdf: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with json_logs():
        document = (await upload(client, tiny_pdf)).json()["documents"][0]
        await wait_terminal(client, document["id"])
        response = await client.post("/v1/queries", json={
            "question": "What does the text say about information?", "stream": True},
            headers={"Authorization": "Bearer af_not-a-real-key-but-secret-looking"})
        query_id = parse_sse(response.text)[-1]["data"]["query_id"]
        structlog.get_logger("test").info("credentials_seen", authorization="Bearer abc",
                                          api_key="af_123", text="confidential words")
        err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines and all(line.get("trace_id") not in (None, "-") for line in lines)
    ours = [line for line in lines if line.get("query_id") == query_id]
    assert ours and all(line["tenant_id"] == "default" and "span_id" in line for line in ours)
    assert {line.get("agent") for line in ours} >= {"retrieval", "synthesis", "citation"}
    assert any(line.get("document_id") == document["id"] and "span_id" in line
               for line in lines)
    seen = next(line for line in lines if line["event"] == "credentials_seen")
    assert seen["authorization"] == seen["api_key"] == seen["text"] == "[redacted]"
    page = await container.catalog.get_page("default", document["id"], 1)
    assert page is not None
    sentence = max(page.text.split("."), key=len).strip()
    dump = "\n".join(json.dumps(line) for line in lines)
    assert sentence and sentence not in dump  # no document text reaches the logs
    assert "af_not-a-real-key" not in dump


@contextmanager
def json_logs() -> Iterator[None]:
    """JSON logs at debug level onto the captured stderr, the test set-up restored after."""
    import logging

    saved, root = structlog.get_config(), logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("debug", json=True)
    try:
        yield
    finally:
        structlog.configure(**saved)
        root.handlers, _ = handlers, root.setLevel(level)


async def test_the_admin_api_serves_the_dashboards_data(
        client: httpx.AsyncClient, container: Container, tiny_pdf: Path) -> None:
    from datetime import UTC, datetime, timedelta

    document = (await upload(client, tiny_pdf)).json()["documents"][0]
    await wait_terminal(client, document["id"])
    await client.post("/v1/queries", json={"question": "information?", "stream": True})
    now = datetime.now(UTC)
    usage = {"retrieval": AgentUsage(model="m", input_tokens=80, output_tokens=20, cost_usd=0.1),
             "synthesis": AgentUsage(model="m", input_tokens=600, output_tokens=100,
                                     cost_usd=0.7),
             "citation": AgentUsage(model="m", input_tokens=150, output_tokens=50, cost_usd=0.2)}
    await container.catalog.record_usage("default", "q-model", usage, at=now)
    snapshot = (await client.get("/v1/admin/metrics")).json()
    assert snapshot["answers"]["calls"] >= 1 and snapshot["documents"]["default"]["ready"] == 1
    agents = {a["agent"]: a for a in (await client.get("/v1/admin/agents")).json()}
    assert set(agents) == {"retrieval", "synthesis", "citation"}
    assert agents["synthesis"]["status"] == "healthy"
    assert agents["synthesis"]["window"]["p95_ms"] > 0
    assert agents["synthesis"]["window"]["error_rate"] == 0
    report = (await client.get("/v1/admin/usage", params={
        "period": "hour", "since": (now - timedelta(hours=2)).isoformat()})).json()
    model_rows = [r for r in report["rows"] if r["model"] == "m"]
    assert {r["agent"] for r in model_rows} == {"retrieval", "synthesis", "citation"}
    ours = {r["agent"]: r["input_tokens"] + r["output_tokens"] for r in model_rows}
    share = {a: n / sum(ours.values()) for a, n in ours.items()}
    assert (share["retrieval"], share["synthesis"], share["citation"]) == (0.1, 0.7, 0.2)
    assert report["total_cost_usd"] >= 1.0 and set(report["cost_share"]) >= set(ours)
    bad = await client.get("/v1/admin/usage", params={"period": "week"})
    assert bad.status_code == 422
    await container.bus.publish(DomainEvent(type="alert.agent_fallback", tenant_id="default",
                                            data={"agent": "synthesis", "reason": "down"}))
    alerts = (await client.get("/v1/admin/alerts")).json()
    assert alerts[0]["kind"] == "agent_fallback" and alerts[0]["subject"] == "synthesis"
