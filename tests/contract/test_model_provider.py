"""ModelProvider contract: every adapter that can run here (no models; OpenAI-compatible)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agentflow.adapters.llm.no_models import NoModels
from agentflow.adapters.llm.openai_compatible import OpenAICompatibleModels
from agentflow.domain.messages import AgentName
from agentflow.ports.model_provider import ModelProvider
from agentflow.settings import LlmSettings, ModelPrice


@pytest.fixture(params=["none", "openai-compatible"])
async def provider(request: pytest.FixtureRequest) -> AsyncIterator[ModelProvider]:
    if request.param == "none":
        yield NoModels()
        return
    settings = LlmSettings(model="m1", fallback_models=["m2"], citation={"enabled": False},
                           synthesis={"model": "big", "fallback_models": []},
                           prices={"m1": ModelPrice(input_per_mtok=2, output_per_mtok=8)})
    adapter = OpenAICompatibleModels(settings, base_url="http://127.0.0.1:9/v1", api_key=None,
                                     token_timeout_s=5)
    yield adapter
    await adapter.close()


async def test_chains_are_ordered_and_costs_are_never_negative(provider: ModelProvider) -> None:
    for agent in (AgentName.RETRIEVAL, AgentName.SYNTHESIS, AgentName.CITATION):
        chain = provider.chain(agent)
        assert len(chain) == len(set(chain))
    assert provider.cost_usd("unpriced-model", 1000, 1000) == 0.0
    assert provider.cost_usd("m1", 0, 0) == 0.0


async def test_the_openai_compatible_provider_follows_the_settings() -> None:
    settings = LlmSettings(model="m1", fallback_models=["m2", "m1"], citation={"enabled": False},
                           synthesis={"model": "big", "fallback_models": []},
                           prices={"m1": ModelPrice(input_per_mtok=2, output_per_mtok=8)})
    adapter = OpenAICompatibleModels(settings, base_url="http://127.0.0.1:9/v1", api_key=None,
                                     token_timeout_s=5)
    try:
        assert adapter.chain(AgentName.RETRIEVAL) == ["m1", "m2"]  # no repeats
        assert adapter.chain(AgentName.SYNTHESIS) == ["big"]
        assert adapter.chain(AgentName.CITATION) == []
        assert adapter.cost_usd("m1", 1_000_000, 500_000) == pytest.approx(6.0)
        assert adapter.cost_usd("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)  # built in
        assert adapter.sdk_model("m1") is adapter.sdk_model("m1")
    finally:
        await adapter.close()
