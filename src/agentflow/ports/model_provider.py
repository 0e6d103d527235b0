"""Language models for the agents: which to try, in what order, and what a call costs."""

from __future__ import annotations

from typing import Protocol

from agentflow.domain.messages import AgentName


class ModelProvider(Protocol):
    """The embedded default has no models: every agent runs in its extractive form."""

    def chain(self, agent: AgentName) -> list[str]:
        """Model names ``agent`` tries, primary first; empty when it runs without a model."""
        ...

    def cost_usd(self, model: str, input_tokens: int, output_tokens: int) -> float:
        """The price of a call from the price table; 0 for a model without a price."""
        ...
