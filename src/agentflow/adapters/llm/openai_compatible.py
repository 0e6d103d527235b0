"""``ModelProvider`` for any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, ...).

Models are reached through Chat Completions, the most widely served API, by the OpenAI Agents
SDK's ``OpenAIChatCompletionsModel``. The client never retries on its own (``max_retries=0``):
the answer workflow's policy does, visibly. SDK tracing is off: it would export to OpenAI.
"""

from __future__ import annotations

import httpx2
from agents import Model, OpenAIChatCompletionsModel, set_tracing_disabled
from openai import AsyncOpenAI

from agentflow.domain.messages import AgentName
from agentflow.settings import LlmSettings


class OpenAICompatibleModels:
    def __init__(self, settings: LlmSettings, *, base_url: str | None, api_key: str | None,
                 token_timeout_s: float) -> None:
        set_tracing_disabled(True)
        self._settings = settings
        # A model that sends nothing for token_timeout_s is cut off by the agent's watchdog;
        # these bounds only stop a dead connection from outliving the agent's call.
        self._client = AsyncOpenAI(
            base_url=base_url, api_key=api_key or "not-needed", max_retries=0,
            timeout=httpx2.Timeout(settings.max_call_s, connect=token_timeout_s))
        self._models: dict[str, Model] = {}

    def chain(self, agent: AgentName) -> list[str]:
        return self._settings.chain(agent.value)

    def cost_usd(self, model: str, input_tokens: int, output_tokens: int) -> float:
        price = self._settings.price(model)
        if price is None:
            return 0.0
        return round((input_tokens * price.input_per_mtok
                      + output_tokens * price.output_per_mtok) / 1_000_000, 8)

    def sdk_model(self, name: str) -> Model:
        """The Agents SDK model object for ``name`` (one per name, sharing the client)."""
        if name not in self._models:
            self._models[name] = OpenAIChatCompletionsModel(model=name, openai_client=self._client)
        return self._models[name]

    async def close(self) -> None:
        await self._client.close()
