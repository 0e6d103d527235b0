"""The retrieval agent on a language model: it picks tools, filters and rewrites over MCP.

The tools are the MCP server's (``MCPServerStreamableHttp``), called as the query's tenant. The
model answers with the chunk ids it chose; only passages that a tool really returned in this run
can be chosen, the user's filters are enforced on them, and when the model chose nothing usable
the tools' own best results stand in.
"""

from __future__ import annotations

import json
from typing import Any

from agents.items import ToolCallOutputItem
from agents.mcp import MCPServerStreamableHttp
from pydantic import BaseModel, Field, SecretStr, ValidationError

from agentflow.agents.figures import is_figure_question
from agentflow.agents.llm_run import LlmRuntime, model_of, prompt
from agentflow.agents.llm_synthesis import question_block
from agentflow.domain.errors import AgentFailed
from agentflow.domain.messages import (
    AgentMessage,
    AgentName,
    RetrievalRequest,
    RetrievalResponse,
    expect,
)
from agentflow.domain.profiles import Routing
from agentflow.domain.queries import Passage
from agentflow.domain.tenancy import TENANT_HEADER
from agentflow.domain.vectors import SearchFilters
from agentflow.observability import tracing
from agentflow.retrieval.results import SearchResult
from agentflow.retrieval.search import SearchService
from agentflow.retrieval.statements import asked_statements


class RetrievalChoice(BaseModel):
    search_text: str = Field(description="the search query finally used")
    chunk_ids: list[str] = Field(description="chosen passages' chunk ids, best first")


def tool_passages(items: list[Any]) -> dict[str, Passage]:
    """Every passage the tools returned in a run, by chunk id, in the order first seen."""
    seen: dict[str, Passage] = {}
    for item in items:
        if not isinstance(item, ToolCallOutputItem) or not isinstance(item.output, str):
            continue
        try:
            result = SearchResult.model_validate(json.loads(item.output))
        except (ValueError, ValidationError):
            continue  # an error message or another tool's output
        for hit in result.passages:
            seen.setdefault(hit.chunk_id, hit.passage())
    return seen


class LlmRetrievalAgent:
    name = AgentName.RETRIEVAL

    def __init__(self, runtime: LlmRuntime, search: SearchService, mcp_url: str, *,
                 service_token: SecretStr | None = None) -> None:
        self._runtime = runtime
        # With auth on, the MCP endpoint trusts X-Tenant-ID only from the platform's own token.
        self._auth = ({"Authorization": f"Bearer {service_token.get_secret_value()}"}
                      if service_token else {})
        self._search = search
        self._mcp_url = mcp_url
        self._instructions = prompt("retrieval")

    async def handle(self, message: AgentMessage) -> RetrievalResponse:
        request = expect(message, RetrievalRequest, self.name)
        model = model_of(request, self.name)
        server = MCPServerStreamableHttp(
            params={"url": self._mcp_url,
                    # The tool calls' spans join this query's trace.
                    "headers": {TENANT_HEADER: request.tenant_id, **self._auth,
                                **tracing.headers()},
                    "timeout": self._runtime.token_timeout_s},
            name="agentflow", cache_tools_list=True, use_structured_content=True,
            client_session_timeout_seconds=self._runtime.token_timeout_s)
        try:
            async with server:
                agent = self._runtime.agent("retrieval", model, self._instructions,
                                            mcp_servers=[server], output_type=RetrievalChoice)
                result, usage = await self._runtime.run(
                    agent, self._input(request), model=model, role=self.name.value)
        except AgentFailed:
            raise
        except Exception as error:  # the MCP connection itself
            raise AgentFailed(f"MCP tools at {self._mcp_url} failed: {error}"[:500],
                              agent=self.name.value, model=model) from error
        choice = result.final_output if isinstance(result.final_output, RetrievalChoice) else None
        search_text = (choice.search_text.strip() if choice else "") or request.question
        allowed = await self._allowed(request.tenant_id, request.filters)
        seen = {cid: p for cid, p in tool_passages(result.new_items).items()
                if allowed is None or p.document_id in allowed}
        chosen = [seen[cid] for cid in dict.fromkeys(choice.chunk_ids if choice else [])
                  if cid in seen]
        routing = Routing(reason="chosen by the model")
        if not chosen:  # nothing usable chosen: the tools' best results, or a search of our own
            chosen = sorted(seen.values(), key=lambda p: -p.score)
            if not chosen:
                chosen, routing = await self._search.routed_search(
                    request.tenant_id, search_text, limit=request.top_k, filters=request.filters,
                    statements=asked_statements(
                        request.question, figures=is_figure_question(request.question)))
        return RetrievalResponse(trace_id=request.trace_id, tenant_id=request.tenant_id,
                                 query_id=request.query_id, passages=chosen[:request.top_k],
                                 search_text=search_text, usage=usage, routing=routing)

    def _input(self, request: RetrievalRequest) -> str:
        text = question_block(request.question, request.history)
        limits = [f"Return at most {request.top_k} chunk ids."]
        if request.filters.document_ids:
            limits.append(f"Search only documents {', '.join(request.filters.document_ids)} "
                          "(pass them as document_ids).")
        if request.filters.tags:
            limits.append(f"Search only documents tagged {', '.join(request.filters.tags)} "
                          "(pass them as tags).")
        return f"{text}\n\n" + " ".join(limits)

    async def _allowed(self, tenant_id: str, filters: SearchFilters) -> set[str] | None:
        """The documents the user's filters allow (None: all); the model cannot widen them."""
        if not filters.document_ids and not filters.tags:
            return None
        allowed = set(filters.document_ids) if filters.document_ids else None
        if filters.tags:
            tagged = {d.id for d in await self._search.list_documents(
                tenant_id, tags=filters.tags, limit=10_000)}
            allowed = tagged if allowed is None else allowed & tagged
        return allowed
