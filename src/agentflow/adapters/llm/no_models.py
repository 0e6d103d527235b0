"""``ModelProvider`` without models: the embedded default, every agent extractive."""

from __future__ import annotations

from agentflow.domain.messages import AgentName


class NoModels:
    def chain(self, agent: AgentName) -> list[str]:
        return []

    def cost_usd(self, model: str, input_tokens: int, output_tokens: int) -> float:
        return 0.0
