"""A2A: how the orchestrator reaches an agent (in-process call, or Dapr service invocation)."""

from __future__ import annotations

from typing import Protocol, TypeVar

from agentflow.domain.messages import AgentMessage, AgentName

ResponseT = TypeVar("ResponseT", bound=AgentMessage)


class Agent(Protocol):
    """An agent answers one typed request with one typed response."""

    name: AgentName

    async def handle(self, request: AgentMessage) -> AgentMessage:
        """Answer ``request``; a request of a type this agent does not take is a ``TypeError``."""
        ...


class AgentTransport(Protocol):
    """Delivers a request to the named agent and returns its typed response."""

    def register(self, agent: Agent) -> None:
        """Make ``agent`` callable by its name; a transport whose agents run as services of
        their own (Dapr) refuses with ``TypeError``."""
        ...

    async def call(
        self, agent: AgentName, request: AgentMessage, response_type: type[ResponseT]
    ) -> ResponseT:
        """Raises ``AgentUnavailable`` when no such agent is reachable, and whatever the agent
        raised otherwise; a response of another type is a ``TypeError``."""
        ...
