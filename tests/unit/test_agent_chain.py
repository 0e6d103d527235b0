"""The answer workflow's fall-back chain: tries per link, announced steps, what ends it early."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from agentflow.adapters.workflow.inprocess import InProcessWorkflowEngine
from agentflow.domain.errors import AgentFailed, AgentUnavailable, InvalidQuestion
from agentflow.domain.messages import AgentName
from agentflow.domain.workflows import ActivityRef, WorkflowRef, WorkflowStatus
from agentflow.ports.workflow_engine import ActivityContext, Task, WorkflowContext
from agentflow.workflows.answer import AnswerInput, call_agent
from agentflow.workflows.answer_handles import AGENT_EVENT, AgentCall, AgentNotice, AgentOutcome


class Answer(AgentOutcome):
    answered_by: str | None


ANSWER = ActivityRef("answer", AgentCall, Answer)
WORKFLOW = WorkflowRef("wf", type(None))


class Agent:
    """Fails for the models in ``failing`` (with ``error``), answers for the others."""

    def __init__(self, failing: set[str | None], error: Exception | None = None) -> None:
        self.failing, self.error = failing, error or AgentFailed("model down")
        self.calls: list[tuple[int, str | None]] = []

    async def __call__(self, ctx: ActivityContext, job: AgentCall) -> Answer:
        self.calls.append((job.attempt, job.model))
        if job.model in self.failing:
            raise self.error
        return Answer(answered_by=job.model)


async def run_chain(agent: Agent, chain: list[str]) -> tuple[Any, list[AgentNotice]]:
    engine = InProcessWorkflowEngine()
    steps: list[AgentNotice] = []

    async def agent_event(ctx: ActivityContext, job: AgentNotice) -> None:
        steps.append(job)

    engine.register_activity(ANSWER, agent)
    engine.register_activity(AGENT_EVENT, agent_event)
    job = AnswerInput(query_id="q", tenant_id="t", trace_id="tr", question="?",
                      first_retry_s=0.001, chains={"synthesis": chain})
    call = AgentCall(query_id="q", tenant_id="t", question="?")

    def workflow(ctx: WorkflowContext, _: None) -> Generator[Task, Any, Any]:
        answer = yield from call_agent(ctx, job, AgentName.SYNTHESIS, ANSWER, call)
        assert isinstance(answer, Answer)  # typed on the way back, not a dict
        return answer.model_dump()

    engine.register_workflow(WORKFLOW, workflow)
    await engine.schedule_new_workflow(WORKFLOW, input=None, instance_id="i")
    state = await engine.wait_for_workflow_completion("i", timeout_s=10)
    return state, steps


async def test_each_link_gets_three_tries_then_the_chain_moves_on() -> None:
    agent = Agent(failing={"a", "b"})
    state, steps = await run_chain(agent, ["a", "b"])
    assert state.status is WorkflowStatus.COMPLETED
    assert state.output["answered_by"] is None  # the extractive link
    assert len(state.output["fallbacks"]) == 2
    assert agent.calls == [(1, "a"), (2, "a"), (3, "a"), (4, "b"), (5, "b"), (6, "b"), (7, None)]
    assert [(s.status, s.attempt, s.model, s.fallback_to) for s in steps] == [
        ("retrying", 1, "a", None), ("retrying", 2, "a", None), ("fallback", 3, "a", "b"),
        ("retrying", 4, "b", None), ("retrying", 5, "b", None), ("fallback", 6, "b", None)]
    assert "falling back to the extractive agent" in steps[-1].detail


async def test_a_missing_agent_skips_its_tries_and_bad_input_ends_at_once() -> None:
    agent = Agent(failing={"a"}, error=AgentUnavailable("no such model"))
    state, steps = await run_chain(agent, ["a"])
    assert agent.calls == [(1, "a"), (2, None)]
    assert [s.status for s in steps] == ["fallback"]
    agent = Agent(failing={"a"}, error=InvalidQuestion("empty"))
    state, steps = await run_chain(agent, ["a"])
    assert state.status is WorkflowStatus.FAILED and agent.calls == [(1, "a")]
    assert [s.status for s in steps] == ["failed"]


@pytest.mark.parametrize("chain", [[], ["a"]])
async def test_when_the_last_link_fails_the_error_is_raised(chain: list[str]) -> None:
    agent = Agent(failing={"a", None})
    state, steps = await run_chain(agent, chain)
    assert state.status is WorkflowStatus.FAILED
    assert steps[-1].status == "failed" and steps[-1].attempt == 3 * (len(chain) + 1)
