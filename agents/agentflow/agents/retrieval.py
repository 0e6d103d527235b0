"""The retrieval agent (no LLM): the question routed to the documents it names, then hybrid
search, in context of the conversation."""

from __future__ import annotations

import re

from agentflow.agents.figures import is_figure_question
from agentflow.domain.messages import AgentMessage, AgentName, RetrievalRequest, RetrievalResponse, expect
from agentflow.retrieval.lexicon import expanded
from agentflow.retrieval.search import SearchService
from agentflow.retrieval.statements import asked_statements

# Words that lean on an earlier turn ("what about its margins?", "and in 2021?").
_FOLLOW_UP = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|there|same|also|else|"
    r"former|latter)\b|^\s*(and|but|so|what about|how about|why|then)\b", re.IGNORECASE)
_SHORT = 6


def search_text(question: str, history: list[str]) -> str:
    """The question, joined with the previous one when it reads as a follow-up."""
    if not history:
        return question
    if len(question.split()) <= _SHORT or _FOLLOW_UP.search(question):
        return f"{question} {history[-1]}"
    return question


class RetrievalAgent:
    name = AgentName.RETRIEVAL

    def __init__(self, search: SearchService) -> None:
        self._search = search

    async def handle(self, message: AgentMessage) -> RetrievalResponse:
        request = expect(message, RetrievalRequest, self.name)
        # A metric asked for is searched with the line items statements print it as.
        text = expanded(search_text(request.question, request.history), sections=True)
        # A figure from a financial statement is looked for in that statement's pages too.
        passages, routing = await self._search.routed_search(
            request.tenant_id, text, limit=request.top_k, filters=request.filters,
            statements=asked_statements(
                request.question, figures=is_figure_question(request.question)))
        return RetrievalResponse(trace_id=request.trace_id, tenant_id=request.tenant_id,
                                 query_id=request.query_id, passages=passages, search_text=text,
                                 routing=routing)
