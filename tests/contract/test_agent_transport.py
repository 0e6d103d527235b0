"""AgentTransport contract, run against every adapter that can run here: in-process, and Dapr
service invocation (real HTTP through a stand-in for Dapr's HTTP API to an agent service)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agentflow.adapters.transport.inprocess import InProcessAgentTransport
from agentflow.domain.errors import AgentUnavailable
from agentflow.domain.messages import (
    AgentMessage,
    AgentName,
    RetrievalRequest,
    RetrievalResponse,
    SynthesisResponse,
)
from agentflow.domain.queries import Passage
from agentflow.ports.agent_transport import AgentTransport
from tests.fakes.dapr_http import FakeDaprHttp
from tests.live import serving


class Echo:
    name = AgentName.RETRIEVAL

    async def handle(self, request: AgentMessage) -> AgentMessage:
        assert isinstance(request, RetrievalRequest)
        passage = Passage(chunk_id="c1", document_id="d1", document_name="a.pdf", page_start=2,
                          page_end=3, text=request.question, score=0.5)
        return RetrievalResponse(trace_id=request.trace_id, tenant_id=request.tenant_id,
                                 query_id=request.query_id, passages=[passage],
                                 search_text=request.question)


@pytest.fixture(params=["in-process", "dapr"])
async def transport(request: pytest.FixtureRequest) -> AsyncIterator[AgentTransport]:
    if request.param == "in-process":
        adapter = InProcessAgentTransport()
        adapter.register(Echo())
        yield adapter
        return
    from agentflow.adapters.transport.dapr_invoke import DaprAgentTransport
    from agentflow.agent_service.app import create_agent_app

    dapr = FakeDaprHttp({"retrieval-agent": create_agent_app(Echo())})
    async with serving(dapr.app) as url:
        remote = DaprAgentTransport(url, {AgentName.RETRIEVAL: "retrieval-agent",
                                          AgentName.CITATION: "citation-agent"})
        yield remote
        await remote.close()


REQUEST = RetrievalRequest(trace_id="t" * 32, tenant_id="acme", query_id="q1", question="why?")


async def test_a_request_reaches_its_agent_and_the_typed_response_comes_back(
        transport: AgentTransport) -> None:
    response = await transport.call(AgentName.RETRIEVAL, REQUEST, RetrievalResponse)
    assert response.passages[0].text == "why?"
    assert (response.trace_id, response.tenant_id, response.query_id) == ("t" * 32, "acme", "q1")


async def test_messages_survive_a_json_round_trip(transport: AgentTransport) -> None:
    response = await transport.call(AgentName.RETRIEVAL, REQUEST, RetrievalResponse)
    assert RetrievalResponse.model_validate_json(response.model_dump_json()) == response
    assert RetrievalRequest.model_validate_json(REQUEST.model_dump_json()) == REQUEST


async def test_an_unknown_agent_is_unavailable(transport: AgentTransport) -> None:
    with pytest.raises(AgentUnavailable):
        await transport.call(AgentName.CITATION, REQUEST, RetrievalResponse)


async def test_a_response_of_the_wrong_type_is_refused(transport: AgentTransport) -> None:
    with pytest.raises(TypeError):
        await transport.call(AgentName.RETRIEVAL, REQUEST, SynthesisResponse)


async def test_an_agents_error_keeps_its_class_across_the_transport(
        transport: AgentTransport) -> None:
    from agentflow.domain.errors import AgentTimeout

    class Slow(Echo):
        async def handle(self, request: AgentMessage) -> AgentMessage:
            raise AgentTimeout("model m timed out", agent="retrieval")

    if isinstance(transport, InProcessAgentTransport):
        transport.register(Slow())
        with pytest.raises(AgentTimeout, match="timed out"):
            await transport.call(AgentName.RETRIEVAL, REQUEST, RetrievalResponse)
        return
    from agentflow.agent_service.app import create_agent_app

    dapr = FakeDaprHttp({"retrieval-agent": create_agent_app(Slow())})
    from agentflow.adapters.transport.dapr_invoke import DaprAgentTransport

    async with serving(dapr.app) as url:
        remote = DaprAgentTransport(url, {AgentName.RETRIEVAL: "retrieval-agent"})
        with pytest.raises(AgentTimeout, match="timed out"):
            await remote.call(AgentName.RETRIEVAL, REQUEST, RetrievalResponse)
        await remote.close()
