"""Typed A2A messages between the orchestrator and the agents.

Every message names its tenant and trace, so an agent reached over the network (Dapr service
invocation) scopes its work and its logs exactly as an in-process one does. Messages are plain
pydantic models: they cross a process boundary as JSON.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, Field

from agentflow.domain.profiles import Routing
from agentflow.domain.queries import AgentUsage, Citation, Passage
from agentflow.domain.vectors import SearchFilters


class AgentName(StrEnum):
    """The agents that exchange A2A messages."""

    ORCHESTRATOR = "orchestrator"
    RETRIEVAL = "retrieval"
    SYNTHESIS = "synthesis"
    CITATION = "citation"


class AgentMessage(BaseModel):
    """What every request and response carries."""

    trace_id: str | None = None
    traceparent: str | None = None  # W3C trace context of the calling span
    tenant_id: str
    query_id: str


MessageT = TypeVar("MessageT", bound=AgentMessage)


def expect(message: AgentMessage, kind: type[MessageT], agent: AgentName) -> MessageT:
    """``message`` as the request type ``agent`` handles; any other type is a ``TypeError``."""
    if not isinstance(message, kind):
        raise TypeError(f"the {agent.value} agent takes {kind.__name__}, "
                        f"not {type(message).__name__}")
    return message


class AgentRequest(AgentMessage):
    """A request names the model to run on: ``None`` is the agent's extractive form."""

    model: str | None = None


class RetrievalRequest(AgentRequest):
    """Find passages for a question (with the conversation's earlier questions)."""

    question: str
    history: list[str] = Field(default_factory=list)  # earlier questions, oldest first
    top_k: int = 5
    filters: SearchFilters = Field(default_factory=SearchFilters)


class RetrievalResponse(AgentMessage):
    """The passages found, what was searched for, and how the search was routed."""

    passages: list[Passage]
    search_text: str  # what was searched for (the question, maybe joined with context)
    routing: Routing = Field(default_factory=Routing)  # the documents preferred, and why
    usage: AgentUsage = Field(default_factory=lambda: AgentUsage(model="hybrid-search"))


class AnswerSentence(BaseModel):
    """A sentence of the answer and the passage it rests on.

    Extractive sentences are taken from ``passages[passage]`` at ``[start, end)``. A model's
    sentence has no offsets: ``cited`` lists the passages its markers named (``passage`` is the
    first), and the citation agent finds its quote. ``passage`` ``None``: a sentence that cites
    nothing (a model's connecting words), kept without a marker."""

    n: int  # its marker ``[n]``
    text: str
    passage: int | None
    start: int | None = None
    end: int | None = None
    score: float = 0.0
    cited: list[int] = Field(default_factory=list)
    wording: str | None = None  # how the answer says it, when not verbatim (``text`` is quoted)

    @property
    def said(self) -> str:
        """The sentence as the answer reads."""
        return self.wording or self.text


class SynthesisRequest(AgentRequest):
    """Answer the question from ``passages``, streaming tokens to ``stream`` when given."""

    question: str
    history: list[str] = Field(default_factory=list)
    passages: list[Passage]
    stream: str | None = None  # the event stream that receives ``token`` events
    attempt: int = 1


class SynthesisResponse(AgentMessage):
    """The answer, its sentences tied to passages, and how confident the agent is."""

    answer: str
    sentences: list[AnswerSentence]
    confidence: float = Field(ge=0.0, le=1.0)
    related_questions: list[str]
    found: bool  # False: nothing relevant, the answer says so and cites nothing
    usage: AgentUsage
    first_token_ms: float | None = None  # from the agent's start to its first streamed token
    truncated: bool = False  # the model stopped at its output limit


class CitationRequest(AgentRequest):
    """Find each sentence's quote in ``passages`` and turn its marker into a citation."""

    passages: list[Passage]
    sentences: list[AnswerSentence]


class CitationResponse(AgentMessage):
    """The verified citations, and the markers whose quote was not found."""

    citations: list[Citation]
    unverified: list[int] = Field(default_factory=list)  # markers whose quote was not found
    usage: AgentUsage


# Every A2A message by its type name: how a message crossing a process boundary is rebuilt.
MESSAGE_TYPES: dict[str, type[AgentMessage]] = {
    cls.__name__: cls for cls in (RetrievalRequest, RetrievalResponse, SynthesisRequest,
                                  SynthesisResponse, CitationRequest, CitationResponse)}
