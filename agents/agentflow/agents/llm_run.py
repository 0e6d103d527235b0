"""Running an OpenAI Agents SDK agent under AgentFlow's rules.

Every run is streamed, so one watchdog covers every model call of it: the call fails when no
event arrives for ``token_timeout_s`` (the first token included) or when the whole run passes
``max_call_s``. SDK and API errors become ``AgentFailed``/``AgentTimeout`` naming the model, so
the workflow can retry and fall back. Usage is read from the run and priced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents import Agent, Model, ModelSettings, RunConfig, Runner
from agents.result import RunResultStreaming
from openai.types.responses import ResponseTextDeltaEvent

from agentflow.domain.errors import AgentFailed, AgentTimeout
from agentflow.domain.messages import AgentName, AgentRequest
from agentflow.domain.queries import AgentUsage
from agentflow.observability import tracing
from agentflow.ports.model_provider import ModelProvider

PROMPTS = Path(__file__).parent / "prompts"
OnText = Callable[[str], Awaitable[None]]


def model_of(request: AgentRequest, agent: AgentName) -> str:
    """The model the request names; the router only sends model requests to an LLM agent."""
    if request.model is None:
        raise AgentFailed(f"the LLM {agent.value} agent needs a model", agent=agent.value)
    return request.model


def prompt(name: str) -> str:
    """The versioned prompt ``prompts/{name}.md`` (see its prompt history record)."""
    return (PROMPTS / f"{name}.md").read_text(encoding="utf-8")


@dataclass
class LlmRuntime:
    """What every LLM agent shares: models by name, prices, limits."""

    models: Callable[[str], Model]
    provider: ModelProvider
    token_timeout_s: float = 5.0
    max_call_s: float = 120.0
    temperature: float = 0.0
    max_output_tokens: int = 800
    max_turns: int = 6
    _settings: ModelSettings = field(init=False)

    def __post_init__(self) -> None:
        self._settings = ModelSettings(temperature=self.temperature,
                                       max_tokens=self.max_output_tokens, include_usage=True)

    def agent(self, name: str, model: str, instructions: str, **options: Any) -> Agent[Any]:
        return Agent(name=name, instructions=instructions, model=self.models(model),
                     model_settings=self._settings, **options)

    async def run(self, agent: Agent[Any], text: str, *, model: str, role: str,
                  on_text: OnText | None = None) -> tuple[RunResultStreaming, AgentUsage]:
        """Run ``agent`` on ``text``; ``on_text`` gets each text delta as it arrives."""
        with tracing.span(f"model {model}", model=model, agent=role) as span:
            result, usage = await self._run(agent, text, model=model, role=role,
                                            on_text=on_text)
            span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
            return result, usage

    async def _run(self, agent: Agent[Any], text: str, *, model: str, role: str,
                   on_text: OnText | None) -> tuple[RunResultStreaming, AgentUsage]:
        result = Runner.run_streamed(agent, text, max_turns=self.max_turns,
                                     run_config=RunConfig(tracing_disabled=True))
        loop = asyncio.get_running_loop()
        hard_stop = loop.time() + self.max_call_s
        try:
            async with asyncio.timeout(min(self.token_timeout_s, self.max_call_s)) as watchdog:
                async for event in result.stream_events():
                    watchdog.reschedule(min(loop.time() + self.token_timeout_s, hard_stop))
                    if (on_text is not None and event.type == "raw_response_event"
                            and isinstance(event.data, ResponseTextDeltaEvent) and event.data.delta):
                        await on_text(event.data.delta)
        except TimeoutError:
            result.cancel()
            limit = (f"{self.max_call_s:g}s in all" if loop.time() >= hard_stop
                     else f"{self.token_timeout_s:g}s without a token")
            raise AgentTimeout(f"model {model} timed out ({limit})", agent=role,
                               model=model) from None
        except (AgentFailed, asyncio.CancelledError):
            raise
        except Exception as error:  # API status, connection, malformed output, max turns
            raise AgentFailed(f"model {model} failed: {type(error).__name__}: {error}"[:500],
                              agent=role, model=model) from error
        return result, self.usage(result, model)

    def usage(self, result: RunResultStreaming, model: str) -> AgentUsage:
        used = result.context_wrapper.usage
        return AgentUsage(model=model, input_tokens=used.input_tokens,
                          output_tokens=used.output_tokens,
                          cost_usd=self.provider.cost_usd(model, used.input_tokens,
                                                          used.output_tokens))


    def truncated(self, usage: AgentUsage) -> bool:
        """Whether the model stopped at its output limit (Chat Completions' ``length``; the SDK
        does not pass the finish reason on, the token count tells)."""
        return usage.output_tokens >= self.max_output_tokens
