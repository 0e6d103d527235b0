"""``AgentTransport`` in one process: a direct call of the registered agent's ``handle``."""

from __future__ import annotations

from agentflow.domain.errors import AgentUnavailable
from agentflow.domain.messages import AgentMessage, AgentName
from agentflow.ports.agent_transport import Agent, ResponseT


class InProcessAgentTransport:
    """No serialisation on the way: the messages are the same objects Dapr would carry as JSON."""

    def __init__(self) -> None:
        self._agents: dict[AgentName, Agent] = {}

    def register(self, agent: Agent) -> None:
        self._agents[agent.name] = agent

    def registered(self, name: AgentName) -> Agent:
        """The agent registered under ``name`` (to wrap it, e.g. for fault injection)."""
        return self._agents[name]

    async def call(
        self, agent: AgentName, request: AgentMessage, response_type: type[ResponseT]
    ) -> ResponseT:
        handler = self._agents.get(agent)
        if handler is None:
            raise AgentUnavailable(f"no {agent.value} agent is registered", agent=agent.value)
        response = await handler.handle(request)
        if not isinstance(response, response_type):
            raise TypeError(f"{agent.value} answered {type(response).__name__}, "
                            f"not {response_type.__name__}")
        return response
