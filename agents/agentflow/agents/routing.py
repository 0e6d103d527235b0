"""One agent per role behind the transport, with or without a model.

The workflow names the model of every call (its fall-back chain ends with ``None``, the
extractive form), so both forms answer under the same name and the chain needs no second agent.
"""

from __future__ import annotations

from agentflow.domain.messages import AgentMessage, AgentName, AgentRequest
from agentflow.ports.agent_transport import Agent


class ModelRoutedAgent:
    def __init__(self, extractive: Agent, llm: Agent) -> None:
        if extractive.name != llm.name:
            raise ValueError(f"{extractive.name} and {llm.name} are different agents")
        self.name: AgentName = extractive.name
        self.extractive = extractive
        self.llm = llm

    async def handle(self, request: AgentMessage) -> AgentMessage:
        if isinstance(request, AgentRequest) and request.model is not None:
            return await self.llm.handle(request)
        return await self.extractive.handle(request)
