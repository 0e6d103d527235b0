"""The failure policy through the API: agents that raise or hang are retried with ``retrying``
events, then ``failed`` and an ``error`` event end the stream; a failed citation agent leaves an
answer without markers; nothing ever hangs. A question with no document ready is answered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from agentflow.adapters.transport.inprocess import InProcessAgentTransport
from agentflow.domain.messages import AgentMessage, AgentName
from agentflow.domain.queries import QueryRecord
from agentflow.domain.vectors import SearchFilters
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import Container, build_container
from agentflow.settings import QuerySettings
from tests.conftest import make_settings
from tests.integration.helpers import parse_sse, upload, wait_terminal


class Faulty:
    """Wraps a real agent: the first ``failures`` calls raise or hang, later ones pass."""

    def __init__(self, inner: Any, failures: int, *, hang: bool = False) -> None:
        self.name: AgentName = inner.name
        self.inner, self.failures, self.hang, self.calls = inner, failures, hang, 0

    async def handle(self, request: AgentMessage) -> AgentMessage:
        self.calls += 1
        if self.calls <= self.failures:
            if self.hang:
                await asyncio.sleep(3600)
            raise RuntimeError(f"injected failure {self.calls}")
        response: AgentMessage = await self.inner.handle(request)
        return response


async def _client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    from agentflow.gateway.app import create_app

    app = create_app(container=container)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test", timeout=30) as client:
        yield client


async def _with_agent(tmp_path: Path, embedder: Embedder, tiny_pdf: Path, agent: AgentName,
                      wrap: Callable[[Any], Faulty], question: str,
                      ) -> tuple[list[dict[str, Any]], Faulty]:
    settings = make_settings(tmp_path / "data")
    settings.query = QuerySettings(agent_timeout_s=0.5, first_retry_s=0.01)
    container = build_container(settings, embedder=embedder)
    transport = container.transport
    assert isinstance(transport, InProcessAgentTransport)
    faulty = wrap(transport.registered(agent))
    transport.register(faulty)
    async for client in _client(container):
        document = (await upload(client, tiny_pdf)).json()["documents"][0]
        assert (await wait_terminal(client, document["id"]))["status"] == "ready"
        response = await asyncio.wait_for(
            client.post("/v1/queries", json={"question": question, "stream": True}), 20)
        return parse_sse(response.text), faulty
    raise AssertionError("unreachable")


def _agent_steps(events: list[dict[str, Any]], agent: str) -> list[tuple[str, int]]:
    return [(e["data"]["status"], e["data"]["attempt"]) for e in events
            if e["event"] == "agent" and e["data"]["agent"] == agent]


QUESTION = "What is this document about?"


async def test_a_failing_agent_is_retried_and_then_answers(tmp_path: Path, embedder: Embedder,
                                                           tiny_pdf: Path) -> None:
    events, faulty = await _with_agent(tmp_path, embedder, tiny_pdf, AgentName.SYNTHESIS,
                                       lambda a: Faulty(a, failures=2), QUESTION)
    steps = _agent_steps(events, "synthesis")
    assert ("retrying", 1) in steps and ("retrying", 2) in steps
    assert steps[-1] == ("completed", 3) and faulty.calls == 3
    assert events[-1]["event"] == "done"
    tokens = [e["data"]["attempt"] for e in events if e["event"] == "token"]
    assert tokens and set(tokens) == {3}


async def test_a_hanging_agent_times_out_then_the_query_fails_cleanly(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    events, faulty = await _with_agent(tmp_path, embedder, tiny_pdf, AgentName.RETRIEVAL,
                                       lambda a: Faulty(a, failures=99, hang=True), QUESTION)
    steps = _agent_steps(events, "retrieval")
    assert [s for s in steps if s[0] != "started"] == [("retrying", 1), ("retrying", 2),
                                                       ("failed", 3)]
    assert faulty.calls == 3
    error = events[-1]
    assert error["event"] == "error" and error["data"]["code"] == "agent_timeout"
    assert error["data"]["status"] == 503 and error["data"]["type"].endswith("agent_timeout")
    assert "did not answer within 0.5s" in error["data"]["detail"]


async def test_without_the_citation_agent_the_answer_has_no_markers(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    events, _ = await _with_agent(tmp_path, embedder, tiny_pdf, AgentName.CITATION,
                                  lambda a: Faulty(a, failures=99), QUESTION)
    assert ("failed", 3) in _agent_steps(events, "citation")
    done = events[-1]["data"]
    assert events[-1]["event"] == "done" and done["citations"] == []
    assert "[" not in done["answer"] and done["answer"]
    assert any("citations could not be produced" in w for w in done["warnings"])


async def test_asking_with_no_document_ready_answers_honestly(tmp_path: Path,
                                                             embedder: Embedder) -> None:
    container = build_container(make_settings(tmp_path / "data"), embedder=embedder)
    async for client in _client(container):
        response = await client.post("/v1/queries", json={"question": QUESTION, "stream": True})
        events = parse_sse(response.text)
        assert events[-1]["event"] == "done"
        assert "could not find" in events[-1]["data"]["answer"]
        assert events[-1]["data"]["citations"] == []



async def test_a_query_left_running_by_a_crash_is_answered_after_a_restart(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async for client in _client(build_container(settings, embedder=embedder)):
        document = (await upload(client, tiny_pdf)).json()["documents"][0]
        assert (await wait_terminal(client, document["id"]))["status"] == "ready"
    # What a crash leaves behind: the record says running, no workflow and no stream exist.
    now = datetime.now(UTC)
    crashed = QueryRecord(id="q_crashed", tenant_id="default", conversation_id="conv_c",
                          question=QUESTION, top_k=5, filters=SearchFilters(),
                          created_at=now, updated_at=now)
    restarted = build_container(settings, embedder=embedder)
    await restarted.catalog.save_query(crashed)
    async for client in _client(restarted):
        events = parse_sse((await asyncio.wait_for(
            client.get("/v1/queries/q_crashed/stream"), 20)).text)
        assert events[-1]["event"] == "done" and events[-1]["data"]["citations"]
        assert (await client.get("/v1/queries/q_crashed")).json()["status"] == "completed"
