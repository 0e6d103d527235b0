"""Building the answering side: model provider, agents (extractive and LLM) and their transport."""

from __future__ import annotations

from typing import Any, NamedTuple

import structlog

from agentflow.answering.questions import Questions
from agentflow.domain.jobs import ANSWER_WORKFLOW
from agentflow.domain.messages import AgentName
from agentflow.ingestion.quotas import Quotas
from agentflow.observability.audit import Auditor
from agentflow.ports.agent_transport import Agent, AgentTransport
from agentflow.ports.catalog import Catalog
from agentflow.ports.embedder import Embedder
from agentflow.ports.event_bus import EventBus
from agentflow.ports.event_log import EventLog
from agentflow.ports.model_provider import ModelProvider
from agentflow.ports.passage_sets import PassageSets
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.vector_index import VectorIndex
from agentflow.ports.workflow_engine import WorkflowEngine
from agentflow.retrieval.rerank import BestSentenceReranker
from agentflow.retrieval.search import SearchService
from agentflow.retrieval.sentences import SentenceVectors
from agentflow.runtime.optional import load
from agentflow.settings import (
    AgentTransportKind,
    Settings,
)
from agentflow.workflows import answer
from agentflow.workflows.answer_activities import AnswerActivities

log = structlog.get_logger(__name__)


def build_models(settings: Settings) -> ModelProvider:
    """The language models the settings name, or none (every agent extractive)."""
    if not any(settings.llm.chain(agent.value) for agent in _LLM_AGENTS):
        from agentflow.adapters.llm.no_models import NoModels

        return NoModels()
    adapter = load("agentflow.adapters.llm.openai_compatible")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    built: ModelProvider = adapter.OpenAICompatibleModels(
        settings.llm, base_url=settings.openai_base_url, api_key=key,
        token_timeout_s=settings.llm.token_timeout_s or settings.query.agent_timeout_s)
    return built


_LLM_AGENTS = (AgentName.RETRIEVAL, AgentName.SYNTHESIS, AgentName.CITATION)


def mcp_url(settings: Settings) -> str:
    """Where this server's own MCP tools are (for the LLM retrieval agent)."""
    if settings.llm.mcp_url:
        return settings.llm.mcp_url
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}/mcp"


class Answering(NamedTuple):
    """What answering is made of: search, the agents and their transport, the questions service
    (its workflow and activities are registered on the engine)."""

    search: SearchService
    agents: dict[AgentName, Agent]
    transport: AgentTransport
    questions: Questions


def build_answering(settings: Settings, catalog: Catalog, embedder: Embedder, sparse: SparseEncoder,
               index: VectorIndex, events: EventLog, bus: EventBus, models: ModelProvider,
               engine: WorkflowEngine, audit: Auditor, passages: PassageSets,
               ) -> Answering:
    """The search service, the agents and their transport, and the query workflow."""
    query = settings.query
    sentences = SentenceVectors(embedder)
    search = SearchService(embedder=embedder, sparse=sparse, index=index, catalog=catalog,
                           fusion=query.search_fusion(), prefetch_limit=query.prefetch_limit,
                           reranker=BestSentenceReranker(sentences), vectors=sentences,
                           rerank_by_default=query.rerank, rerank_depth=query.rerank_depth)
    retrieval = load("agentflow.agents.retrieval")
    synthesis = load("agentflow.agents.synthesis")
    citation = load("agentflow.agents.citation")
    extractive: dict[AgentName, Agent] = {
        AgentName.RETRIEVAL: retrieval.RetrievalAgent(search),
        AgentName.SYNTHESIS: synthesis.ExtractiveSynthesisAgent(
            sentences, events, max_sentences=query.max_sentences, min_cosine=query.min_cosine),
        AgentName.CITATION: citation.CitationAgent(catalog, sentences),
    }
    chains = {agent.value: models.chain(agent) for agent in _LLM_AGENTS}
    llm = build_llm_agents(settings, models, search, sentences, catalog, events) if any(
        chains.values()) else {}
    agents: dict[AgentName, Agent] = {}
    for name, agent in extractive.items():
        if chains[name.value]:
            routing = load("agentflow.agents.routing")
            agent = routing.ModelRoutedAgent(agent, llm[name])
        agents[name] = agent
    transport = build_transport(settings, agents)
    engine.register_workflow(ANSWER_WORKFLOW, answer.answer_question)
    AnswerActivities(transport=transport, catalog=catalog, events=events, bus=bus, audit=audit,
                     passages=passages,
                     agent_timeout_s=query.agent_timeout_s,
                     llm_call_s=settings.llm.max_call_s).register(engine)
    questions = Questions(catalog=catalog, engine=engine, events=events,
                          agent_attempts=query.agent_attempts, first_retry_s=query.first_retry_s,
                          chains={k: v for k, v in chains.items() if v},
                          quotas=Quotas(catalog, settings.limits))
    return Answering(search, agents, transport, questions)


def build_transport(settings: Settings, agents: dict[AgentName, Agent]) -> AgentTransport:
    """Agents called in this process, or services reached over Dapr service invocation."""
    if settings.agents.transport is AgentTransportKind.IN_PROCESS:
        from agentflow.adapters.transport.inprocess import InProcessAgentTransport

        local = InProcessAgentTransport()
        for agent in agents.values():
            local.register(agent)
        return local
    dapr = load("agentflow.adapters.transport.dapr_invoke")
    app_ids = {AgentName(name): app for name, app in settings.agents.app_ids.items()}
    token = settings.dapr.api_token.get_secret_value() if settings.dapr.api_token else None
    built: AgentTransport = dapr.DaprAgentTransport(
        settings.dapr.http_endpoint, app_ids, token=token,
        timeout_s=max(settings.llm.max_call_s, settings.query.agent_timeout_s) + 10)
    return built


def build_llm_agents(settings: Settings, models: ModelProvider, search: SearchService,
                sentences: SentenceVectors, catalog: Catalog, events: EventLog,
                ) -> dict[AgentName, Any]:
    """The OpenAI Agents SDK agents, sharing one runtime (models, limits, prices)."""
    run = load("agentflow.agents.llm_run")
    llm = settings.llm
    runtime = run.LlmRuntime(
        models=models.sdk_model, provider=models,  # type: ignore[attr-defined]
        token_timeout_s=llm.token_timeout_s or settings.query.agent_timeout_s,
        max_call_s=llm.max_call_s, temperature=llm.temperature,
        max_output_tokens=llm.max_output_tokens, max_turns=llm.max_turns)
    return {
        AgentName.RETRIEVAL: load("agentflow.agents.llm_retrieval").LlmRetrievalAgent(
            runtime, search, mcp_url(settings), service_token=settings.auth.service_token),
        AgentName.SYNTHESIS: load("agentflow.agents.llm_synthesis").LlmSynthesisAgent(
            runtime, events),
        AgentName.CITATION: load("agentflow.agents.llm_citation").LlmCitationAgent(
            runtime, catalog, sentences),
    }
