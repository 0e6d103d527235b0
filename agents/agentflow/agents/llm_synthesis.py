"""The synthesis agent on a language model: ``Runner.run_streamed``, each delta a ``token`` event.

Instructions come from ``prompts/synthesis.md``: answer only from the numbered passages, cite
them ``[n]``, say so when they do not answer. The answer is read back into sentences and the
passages they cite; the citation agent then finds and verifies a quote for each.
"""

from __future__ import annotations

import time

from agentflow.agents.answer_text import answer_sentences
from agentflow.agents.llm_run import LlmRuntime, model_of, prompt
from agentflow.agents.related import related_questions
from agentflow.domain.errors import AgentFailed
from agentflow.domain.messages import (
    AgentMessage,
    AgentName,
    SynthesisRequest,
    SynthesisResponse,
    expect,
)
from agentflow.domain.queries import Passage
from agentflow.ports.event_log import EventLog


def passages_block(passages: list[Passage]) -> str:
    """The passages numbered ``[1]..[n]`` with where each comes from."""
    parts = []
    for n, passage in enumerate(passages, start=1):
        pages = (f"page {passage.page_start}" if passage.page_end == passage.page_start
                 else f"pages {passage.page_start}-{passage.page_end}")
        parts.append(f"[{n}] {passage.document_name}, {pages}\n{passage.text.strip()}")
    return "\n\n".join(parts)


def question_block(question: str, history: list[str]) -> str:
    earlier = "".join(f"- {q}\n" for q in history)
    context = f"Earlier questions in this conversation:\n{earlier}\n" if history else ""
    return f"{context}Question: {question}"


class LlmSynthesisAgent:
    name = AgentName.SYNTHESIS

    def __init__(self, runtime: LlmRuntime, events: EventLog) -> None:
        self._runtime = runtime
        self._events = events
        self._instructions = prompt("synthesis")

    async def handle(self, message: AgentMessage) -> SynthesisResponse:
        request = expect(message, SynthesisRequest, self.name)
        model = model_of(request, self.name)
        started = time.perf_counter()
        first_token_ms: float | None = None
        pieces: list[str] = []

        async def on_text(delta: str) -> None:
            nonlocal first_token_ms
            if first_token_ms is None:
                first_token_ms = (time.perf_counter() - started) * 1000
            pieces.append(delta)
            if request.stream is not None:
                await self._events.append(request.stream, "token",
                                          {"text": delta, "attempt": request.attempt})

        agent = self._runtime.agent("synthesis", model, self._instructions)
        text = (f"{question_block(request.question, request.history)}\n\n"
                f"Passages:\n\n{passages_block(request.passages)}")
        result, usage = await self._runtime.run(agent, text, model=model,
                                                role=self.name.value, on_text=on_text)
        answer = ("".join(pieces) or str(result.final_output or "")).strip()
        if not answer:
            raise AgentFailed(f"model {model} returned an empty answer",
                              agent=self.name.value, model=model)
        sentences = answer_sentences(answer, len(request.passages))
        found = any(s.passage is not None for s in sentences)
        return SynthesisResponse(
            trace_id=request.trace_id, tenant_id=request.tenant_id, query_id=request.query_id,
            answer=answer, sentences=sentences if found else [],
            # The model's own certainty is not observable; verification decides (see the
            # answer's composition): 1 when it cited, 0 when it said nothing was found.
            confidence=1.0 if found else 0.0,
            related_questions=related_questions(request.question, request.passages, []),
            found=found, usage=usage, first_token_ms=first_token_ms,
            truncated=self._runtime.truncated(usage))
