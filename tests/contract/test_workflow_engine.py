"""WorkflowEngine contract: the in-process runner and Dapr's real ``WorkflowRuntime`` and
``DaprWorkflowClient`` (against the in-memory durabletask backend of ``tests/fakes``) run the
same generators the same way: results, retries, errors thrown in, fan-out, timers."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Generator
from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from agentflow.adapters.workflow.inprocess import InProcessWorkflowEngine
from agentflow.domain.errors import InvalidQuestion
from agentflow.domain.workflows import ActivityRef, RetryPolicy, WorkflowRef, WorkflowStatus
from agentflow.ports.workflow_engine import (
    ActivityContext,
    ActivityError,
    Task,
    WorkflowContext,
    WorkflowEngine,
    call,
    call_all,
)
from tests.fakes.durabletask_sidecar import FakeSidecar

FAST = RetryPolicy(first_retry_interval=timedelta(milliseconds=20), max_number_of_attempts=3,
                   backoff_coefficient=2.0)


class Pair(BaseModel):
    left: int
    right: list[str]


class Summed(BaseModel):
    total: int
    seen: list[str]


DOUBLE = ActivityRef("double", int, int)
FLAKY = ActivityRef("flaky", int, int)
BAD_INPUT = ActivityRef("bad_input", type(None), type(None))
SUM = ActivityRef("sum", Pair, Summed)
PIPELINE = WorkflowRef("pipeline", int)
FAILING = WorkflowRef("failing", type(None))
TYPED = WorkflowRef("typed", Pair)


class Calls:
    def __init__(self) -> None:
        self.flaky = 0
        self.bad_input = 0


def define(engine: WorkflowEngine, calls: Calls) -> None:
    async def double(ctx: ActivityContext, value: int) -> int:
        assert ctx.workflow_id
        return value * 2

    def flaky(ctx: ActivityContext, value: int) -> int:  # sync activities work too
        calls.flaky += 1
        if calls.flaky < 3:
            raise RuntimeError(f"transient {calls.flaky}")
        return value + 1

    async def bad_input(ctx: ActivityContext, value: Any) -> None:
        calls.bad_input += 1
        raise InvalidQuestion("the question is empty")

    async def add(ctx: ActivityContext, pair: Pair) -> Summed:
        assert isinstance(pair, Pair)  # the activity gets the model, not its JSON
        return Summed(total=pair.left + len(pair.right), seen=pair.right)

    def pipeline(ctx: WorkflowContext, value: int) -> Generator[Task, Any, Any]:
        doubled = yield from call(ctx, DOUBLE, value)
        bumped = yield ctx.call_activity(FLAKY, input=doubled, retry_policy=FAST)
        yield ctx.create_timer(timedelta(milliseconds=50))
        parts = yield from call_all(ctx, DOUBLE, range(3))
        try:
            yield ctx.call_activity(BAD_INPUT, input=None, retry_policy=FAST)
        except ActivityError as error:
            caught = [error.activity, error.error_type, error.message]
        return {"doubled": doubled, "bumped": bumped, "parts": parts, "caught": caught,
                "instance": ctx.instance_id}

    def failing(ctx: WorkflowContext, value: None) -> Generator[Task, Any, Any]:
        yield ctx.call_activity(BAD_INPUT, input=None)

    def typed(ctx: WorkflowContext, pair: Pair) -> Generator[Task, Any, Any]:
        assert isinstance(pair, Pair)
        summed = yield from call(ctx, SUM, pair)
        assert isinstance(summed, Summed)  # the output comes back typed, not as a dict
        return summed.model_dump()

    engine.register_activity(DOUBLE, double)
    engine.register_activity(FLAKY, flaky)
    engine.register_activity(BAD_INPUT, bad_input)
    engine.register_activity(SUM, add)
    engine.register_workflow(PIPELINE, pipeline)
    engine.register_workflow(FAILING, failing)
    engine.register_workflow(TYPED, typed)


@pytest.fixture(params=["in-process", "dapr"])
async def engine_calls(request: pytest.FixtureRequest) -> AsyncIterator[tuple[WorkflowEngine, Calls]]:
    calls = Calls()
    if request.param == "in-process":
        engine: WorkflowEngine = InProcessWorkflowEngine()
        define(engine, calls)
        await engine.start()
        yield engine, calls
        await engine.shutdown()
        return
    from agentflow.adapters.workflow.dapr_engine import DaprWorkflowEngine

    with FakeSidecar() as sidecar:
        engine = DaprWorkflowEngine(host=sidecar.host, port=str(sidecar.port))
        define(engine, calls)
        await engine.start()
        try:
            yield engine, calls
        finally:
            await engine.shutdown()
        # The SDK's worker thread is gone, so its event loop was collected at shutdown (not
        # as a ResourceWarning in some later test).
        assert not [t for t in threading.enumerate() if t.name == "WorkerRunLoop"]


async def test_activities_retries_timers_fan_out_and_errors_thrown_in(
        engine_calls: tuple[WorkflowEngine, Calls]) -> None:
    engine, calls = engine_calls
    await engine.schedule_new_workflow(PIPELINE, input=5, instance_id="wf-1")
    state = await engine.wait_for_workflow_completion("wf-1", timeout_s=20)
    assert state.status is WorkflowStatus.COMPLETED, state
    assert state.output == {"doubled": 10, "bumped": 11, "parts": [0, 2, 4], "instance": "wf-1",
                            "caught": ["bad_input", "InvalidQuestion", "the question is empty"]}
    assert calls.flaky == 3  # two failures retried by the policy
    assert calls.bad_input == 1  # bad input is never retried
    again = await engine.get_workflow_state("wf-1")
    assert again is not None and again.status is WorkflowStatus.COMPLETED


async def test_an_uncaught_activity_error_fails_the_workflow_with_its_type(
        engine_calls: tuple[WorkflowEngine, Calls]) -> None:
    engine, _ = engine_calls
    await engine.schedule_new_workflow(FAILING, input=None, instance_id="wf-2")
    state = await engine.wait_for_workflow_completion("wf-2", timeout_s=20)
    assert state.status is WorkflowStatus.FAILED
    assert "the question is empty" in (state.error or "")
    assert await engine.get_workflow_state("never-started") is None


async def test_models_cross_both_engines_typed_through_their_handles(
        engine_calls: tuple[WorkflowEngine, Calls]) -> None:
    engine, _ = engine_calls
    await engine.schedule_new_workflow(TYPED, input=Pair(left=2, right=["a", "b"]),
                                       instance_id="wf-3")
    state = await engine.wait_for_workflow_completion("wf-3", timeout_s=20)
    assert state.status is WorkflowStatus.COMPLETED, state
    assert state.output == {"total": 4, "seen": ["a", "b"]}


async def test_an_input_of_the_wrong_type_is_refused_before_it_is_stored(
        engine_calls: tuple[WorkflowEngine, Calls]) -> None:
    from pydantic import ValidationError

    engine, _ = engine_calls
    with pytest.raises(ValidationError):
        await engine.schedule_new_workflow(TYPED, input={"left": "not a number"},  # type: ignore[arg-type]
                                           instance_id="wf-4")
    assert await engine.get_workflow_state("wf-4") is None
