"""The agents on a language model: the real OpenAI Agents SDK against a scripted OpenAI-compatible
server on loopback, the retrieval agent's tools over the app's own MCP endpoint, real PDFs.

Scenarios: a streamed answer; tool calls through MCP; a slow first token (timeout, retry); HTTP
500 three times (fall-back model); every model down (extractive answer); malformed tool
arguments; a quote the model invents (never emitted); no model configured (no call at all).
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from pydantic import SecretStr

from agentflow.cli.ask import ask
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import Container, build_container
from agentflow.settings import LlmSettings, ModelPrice, QuerySettings
from tests.conftest import make_settings
from tests.fakes.openai_server import Reply, ScriptedOpenAI
from tests.fakes.scripted_agents import agents_responder, synthesis_answer
from tests.integration.helpers import parse_sse, upload, wait_terminal
from tests.live import serving
from tests.server import free_port

QUESTION = "What does the printed text tell the reader?"
PRICE = ModelPrice(input_per_mtok=1.0, output_per_mtok=2.0)


@dataclass
class Harness:
    http: httpx.AsyncClient
    container: Container
    model: ScriptedOpenAI

    async def ask(self, question: str = QUESTION) -> list[dict[str, Any]]:
        response = await asyncio.wait_for(
            self.http.post("/v1/queries", json={"question": question, "stream": True}), 60)
        assert response.status_code == 200, response.text
        return parse_sse(response.text)


@pytest.fixture
async def model() -> AsyncIterator[ScriptedOpenAI]:
    scripted = ScriptedOpenAI()
    async with serving(scripted.app) as url:
        scripted.url = url  # type: ignore[attr-defined]
        yield scripted


@asynccontextmanager
async def harness(tmp_path: Path, embedder: Embedder, scripted: ScriptedOpenAI, tiny_pdf: Path,
                  *, query: QuerySettings | None = None, **llm: Any) -> AsyncIterator[Harness]:
    """The app (with ``tiny_pdf`` ready) on a loopback port, its agents on ``model``."""
    port = free_port()
    settings = make_settings(tmp_path / "data")
    settings.port = port
    settings.openai_base_url = f"{scripted.url}/v1"  # type: ignore[attr-defined]
    settings.openai_api_key = SecretStr("sk-test")
    settings.llm = LlmSettings(**{"prices": {"primary": PRICE, "backup": PRICE}, **llm})
    settings.query = query or QuerySettings(first_retry_s=0.01)
    container = build_container(settings, embedder=embedder)
    async with serving(create_app(container=container), port) as url, \
            httpx.AsyncClient(base_url=url, timeout=60) as http:
        document = (await upload(http, tiny_pdf)).json()["documents"][0]
        assert (await wait_terminal(http, document["id"]))["status"] == "ready"
        yield Harness(http, container, scripted)


def steps(events: list[dict[str, Any]], agent: str) -> list[tuple[str, int]]:
    return [(e["data"]["status"], e["data"]["attempt"]) for e in events
            if e["event"] == "agent" and e["data"]["agent"] == agent]


def done(events: list[dict[str, Any]]) -> dict[str, Any]:
    assert events[-1]["event"] == "done", events[-3:]
    result: dict[str, Any] = events[-1]["data"]
    return result


def tokens(events: list[dict[str, Any]], attempt: int | None = None) -> str:
    return "".join(e["data"]["text"] for e in events if e["event"] == "token"
                   and (attempt is None or e["data"]["attempt"] == attempt))


async def assert_quotes_on_pages(h: Harness, result: dict[str, Any]) -> None:
    for citation in result["citations"]:
        page = await h.container.catalog.get_page("default", citation["document_id"],
                                                  citation["page"])
        assert page is not None
        assert " ".join(citation["quote"].split()) in " ".join(page.text.split())
        assert citation["bboxes"]


async def test_all_three_agents_on_a_model_stream_a_cited_answer(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path) -> None:
    model.default("primary", Reply(responder=agents_responder(token_delay_s=0.005)))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary") as h:
        events = await h.ask()
        result = done(events)
        # Retrieval: the model called hybrid_search through MCP and chose from its results.
        retrieval_calls = [c for c in model.calls("primary")
                           if c.body["messages"][0]["content"].startswith("You find")]
        assert {t["function"]["name"] for t in retrieval_calls[0].body["tools"]} >= {
            "hybrid_search", "vector_search", "keyword_search", "list_documents", "rerank",
            "find_documents"}
        tool_results = [json.loads(m["content"]) for m in retrieval_calls[-1].body["messages"]
                        if m["role"] == "tool"]
        # It asked find_documents first (as its prompt says), then searched.
        assert "restricted" in tool_results[0] and tool_results[1]["passages"]
        chosen = [p["chunk_id"] for p in tool_results[1]["passages"][:3]]
        retrieved = next(e["data"] for e in events if e["event"] == "retrieval")
        assert [p["chunk_id"] for p in retrieved["passages"]] == chosen
        # Synthesis: every delta arrived as a token event, in order.
        synthesis_call = next(c for c in model.calls("primary")
                              if c.body["messages"][0]["content"].startswith("You answer"))
        assert synthesis_call.body["stream"] is True
        streamed = tokens(events)
        assert streamed == synthesis_answer(synthesis_call.body) and "[1]" in streamed
        assert len([e for e in events if e["event"] == "token"]) == -(-len(streamed) // 4)
        # Citation: structured output, verified on the page.
        assert [c["n"] for c in result["citations"]] == list(range(1, len(result["citations"]) + 1))
        assert result["citations"] and "[1]" in result["answer"]
        await assert_quotes_on_pages(h, result)
        assert result["warnings"] == [] and result["partial"] is False
        for agent in ("retrieval", "synthesis", "citation"):
            used = result["usage"][agent]
            assert used["model"] == "primary" and used["input_tokens"] > 0
            assert used["cost_usd"] == pytest.approx(
                (used["input_tokens"] * 1.0 + used["output_tokens"] * 2.0) / 1e6)
        totals = {t.agent: t for t in await h.container.catalog.usage_totals("default")}
        assert totals["synthesis"].model == "primary" and totals["synthesis"].queries == 1
        assert totals["synthesis"].cost_usd == pytest.approx(result["usage"]["synthesis"]["cost_usd"])


async def test_a_slow_first_token_times_out_and_is_retried(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path) -> None:
    respond = agents_responder()
    model.script("primary", Reply(responder=lambda body: Reply(
        text=respond(body).text, first_delay_s=3.0)))
    model.default("primary", Reply(responder=respond))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary",
                       token_timeout_s=0.5, retrieval={"enabled": False},
                       citation={"enabled": False}) as h:
        events = await h.ask()
    result = done(events)
    assert steps(events, "synthesis") == [("started", 1), ("retrying", 1), ("started", 2),
                                          ("completed", 2)]
    retry = next(e["data"] for e in events if e["data"].get("status") == "retrying")
    assert "timed out" in retry["detail"] and "0.5s without a token" in retry["detail"]
    assert tokens(events, attempt=1) == ""
    assert "[1]" in tokens(events, attempt=2)
    assert result["citations"] and result["usage"]["synthesis"]["model"] == "primary"


async def test_three_server_errors_fall_back_to_the_next_model(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path) -> None:
    model.default("primary", Reply(status=500, text="upstream exploded"))
    model.default("backup", Reply(responder=agents_responder()))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary",
                       fallback_models=["backup"], retrieval={"enabled": False},
                       citation={"enabled": False}) as h:
        with structlog.testing.capture_logs() as logs:
            events = await h.ask()
        alerts = h.container.bus.recent("alert.*")
        calls = (len(model.calls("primary")), len(model.calls("backup")))
        printed = io.StringIO()
        code = await asyncio.to_thread(ask, str(h.http.base_url), QUESTION, top_k=5,
                                       conversation_id=None, timeout_s=30, out=printed)
    assert code == 0
    assert "warning: the synthesis agent fell back from primary to backup" in printed.getvalue()
    assert "synthesis: backup" in printed.getvalue() and "[attempt 4]" in printed.getvalue()
    result = done(events)
    assert steps(events, "synthesis") == [
        ("started", 1), ("retrying", 1), ("started", 2), ("retrying", 2), ("started", 3),
        ("fallback", 3), ("started", 4), ("completed", 4)]
    assert calls == (3, 1)
    assert result["usage"]["synthesis"]["model"] == "backup"
    assert any("fell back from primary to backup" in w for w in result["warnings"])
    assert result["citations"]
    assert [a.type for a in alerts] == ["alert.agent_fallback"]
    assert alerts[0].data["from_model"] == "primary" and alerts[0].data["to_model"] == "backup"
    assert alerts[0].trace_id == result["trace_id"]
    errors = [entry for entry in logs if entry["event"] == "agent_fallback"]
    assert errors and errors[0]["log_level"] == "error"
    assert errors[0]["trace_id"] == result["trace_id"]


async def test_every_model_down_gives_the_extractive_answer_with_a_warning(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path) -> None:
    model.default("primary", Reply(status=500))
    model.default("backup", Reply(status=503))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary",
                       fallback_models=["backup"]) as h:
        events = await h.ask()
        alerts = h.container.bus.recent("alert.agent_fallback")
        result = done(events)
        await assert_quotes_on_pages(h, result)
    for agent in ("retrieval", "synthesis"):
        statuses = [status for status, _ in steps(events, agent)]
        assert statuses.count("fallback") == 2 and statuses[-1] == "completed"
    assert result["usage"]["synthesis"]["model"] == "extractive"
    assert result["usage"]["retrieval"]["model"] == "hybrid-search"
    assert any("to the extractive agent" in w for w in result["warnings"])
    assert result["citations"]  # the extractive answer is cited as always
    # Two fall-backs each for retrieval and synthesis; the extractive answer's sentences are
    # their own quotes, so the citation agent verifies them without calling a model.
    assert len(alerts) == 4 and result["usage"]["citation"]["model"] == "verbatim-match"
    final_synthesis = [e["data"]["attempt"] for e in events if e["event"] == "token"]
    assert set(final_synthesis) == {7}  # 3 + 3 model attempts before the extractive one


async def test_malformed_tool_arguments_do_not_break_the_answer(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path) -> None:
    model.default("primary", Reply(responder=agents_responder(bad_arguments=True)))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary",
                       synthesis={"enabled": False}, citation={"enabled": False}) as h:
        events = await h.ask()
    result = done(events)
    retrieved = next(e["data"] for e in events if e["event"] == "retrieval")
    assert retrieved["passages"] and result["citations"]
    # The SDK told the model its arguments were bad; the model called again, within one run.
    assert steps(events, "retrieval") == [("started", 1), ("completed", 1)]
    tool_messages = [m["content"] for m in model.calls()[-1].body["messages"] if m["role"] == "tool"]
    assert "error" in tool_messages[0] and json.loads(tool_messages[1])["passages"]
    assert not [e for e in events if e["event"] == "error"]


async def test_a_quote_the_model_invents_is_never_emitted(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path) -> None:
    model.default("primary", Reply(responder=agents_responder(invent_quotes=True)))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary",
                       retrieval={"enabled": False}) as h:
        events = await h.ask()
        result = done(events)
        assert all("cheese" not in c["quote"] for c in result["citations"])
        assert not [e for e in events if e["event"] == "citation" and "cheese" in e["data"]["quote"]]
        # The sentence was the passage's own, so the citation is repaired from the passage.
        assert result["citations"]
        await assert_quotes_on_pages(h, result)


async def test_nothing_calls_a_model_when_none_is_configured(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path) -> None:
    model.default("primary", Reply(responder=agents_responder()))
    async with harness(tmp_path, embedder, model, tiny_pdf) as h:
        result = done(await h.ask())
    assert model.requests == []
    assert result["usage"]["synthesis"]["model"] == "extractive" and result["citations"]


async def test_the_retrieval_model_cannot_widen_the_users_filters(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path,
        small_pdf: Path) -> None:
    # The scripted model searches without the filter and then picks the other document first.
    usual = agents_responder(query="printed text information about net sales", limit=20)
    chosen: dict[str, str] = {}

    def respond(body: dict[str, Any]) -> Reply:
        reply = usual(body)
        outputs = [json.loads(m["content"]) for m in body["messages"] if m["role"] == "tool"]
        if not outputs or reply.tool_calls:
            return reply
        passages = outputs[-1].get("passages")
        if passages is None:
            return reply
        ids = [p["chunk_id"] for p in sorted(
            passages, key=lambda p: p["document_id"] == chosen.get("wanted"))]
        return Reply(text=json.dumps({"search_text": "net sales", "chunk_ids": ids}))

    model.default("primary", Reply(responder=respond))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary",
                       synthesis={"enabled": False}, citation={"enabled": False}) as h:
        wanted = (await upload(h.http, small_pdf)).json()["documents"][0]["id"]
        chosen["wanted"] = wanted
        assert (await wait_terminal(h.http, wanted))["status"] == "ready"
        response = await h.http.post("/v1/queries", json={
            "question": QUESTION, "stream": True, "filters": {"document_ids": [wanted]}})
        events = parse_sse(response.text)
    seen = {p["document_id"] for call in model.calls("primary")
            for m in call.body["messages"] if m["role"] == "tool"
            for p in json.loads(m["content"]).get("passages", [])}
    assert len(seen) == 2  # the model's unfiltered search reached the other document
    retrieved = next(e["data"] for e in events if e["event"] == "retrieval")
    assert retrieved["passages"]
    assert {p["document_id"] for p in retrieved["passages"]} == {wanted}
    assert {c["document_id"] for c in done(events)["citations"]} <= {wanted}


async def test_a_tenant_over_its_daily_model_tokens_gets_429_and_loses_nothing(
        tmp_path: Path, embedder: Embedder, model: ScriptedOpenAI, tiny_pdf: Path) -> None:
    model.default("primary", Reply(responder=agents_responder()))
    async with harness(tmp_path, embedder, model, tiny_pdf, model="primary") as h:
        first = done(await h.ask())
        used = sum(u["input_tokens"] + u["output_tokens"] for u in first["usage"].values())
        assert used > 0
        h.container.settings.limits.llm_tokens_per_day = used  # today's budget is now spent
        refused = await h.http.post("/v1/queries", json={"question": QUESTION})
        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "quota_exceeded"
        assert 0 < int(refused.headers["retry-after"]) <= 86_400
        documents = (await h.http.get("/v1/documents")).json()["documents"]
        assert [d["status"] for d in documents] == ["ready"]
        h.container.settings.limits.llm_tokens_per_day = 0  # no limit: answers as before
        assert done(await h.ask())["answer"] == first["answer"]
