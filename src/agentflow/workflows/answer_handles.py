"""The activities of ``answer_question``: their handles and what crosses each one.

Passages cross by reference: retrieval keeps them in ``PassageSets`` under the query and hands
the workflow their chunk ids; synthesis and citation read them back. Every input carries the
asking request's ``traceparent`` at its top level, where both engines look for it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agentflow.domain.messages import AnswerSentence, CitationResponse, SynthesisResponse
from agentflow.domain.queries import AgentUsage
from agentflow.domain.vectors import SearchFilters
from agentflow.domain.workflows import ActivityRef


class QueryRef(BaseModel):
    """The query an activity works on."""

    query_id: str
    tenant_id: str
    trace_id: str | None = None
    traceparent: str | None = None


class AgentCall(QueryRef):
    """One try of one agent: the question, and what earlier agents produced for it."""

    question: str
    history: list[str] = Field(default_factory=list)
    top_k: int = 5
    filters: SearchFilters = Field(default_factory=SearchFilters)
    attempt: int = 1
    model: str | None = None  # None: the agent's extractive form
    passages: list[str] = Field(default_factory=list)  # chunk ids of the retrieved passages
    sentences: list[AnswerSentence] = Field(default_factory=list)  # to cite


class AgentOutcome(BaseModel):
    """What every agent activity reports besides its result."""

    elapsed_ms: float = 0.0
    fallbacks: list[str] = Field(default_factory=list)  # one line per link of the chain given up


class Retrieved(AgentOutcome):
    """The passages found, by chunk id, in rank order."""

    passages: list[str]
    usage: AgentUsage = Field(default_factory=lambda: AgentUsage(model="hybrid-search"))


class Synthesized(SynthesisResponse, AgentOutcome):
    """The answer, and when the synthesis agent was started (for time to first token)."""

    started_at: float = 0.0


class Cited(CitationResponse, AgentOutcome):
    """The verified citations."""


class AgentNotice(QueryRef):
    """An agent call that failed: retried, fallen back to the next model, or given up."""

    agent: str
    status: str  # retrying | fallback | failed
    attempt: int
    detail: str
    model: str | None = None
    fallback_to: str | None = None


class Answered(QueryRef):
    """What the answer is composed from; ``cited`` None: the citation agent failed."""

    retrieved: Retrieved
    synthesized: Synthesized
    cited: Cited | None = None


class QueryFailure(QueryRef):
    """Why a query could not be answered: its last activity error."""

    error_type: str
    message: str
    activity: str


class QuerySettled(BaseModel):
    """How a query ended: ``completed`` or ``failed``."""

    status: str


RETRIEVE = ActivityRef("query_retrieve", AgentCall, Retrieved)
SYNTHESIZE = ActivityRef("query_synthesize", AgentCall, Synthesized)
CITE = ActivityRef("query_cite", AgentCall, Cited)
AGENT_EVENT = ActivityRef("query_agent_event", AgentNotice, type(None))
FINALIZE = ActivityRef("query_finalize", Answered, QuerySettled)
FAIL = ActivityRef("query_fail", QueryFailure, QuerySettled)
