"""The in-process runner's Dapr semantics: results, retries, errors thrown in, fan-out, timers."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from datetime import timedelta
from typing import Any

import pytest

from agentflow.adapters.workflow.inprocess import InProcessWorkflowEngine
from agentflow.domain.errors import NoExtractableText
from agentflow.domain.workflows import ActivityRef, RetryPolicy, WorkflowRef, WorkflowStatus
from agentflow.ports.workflow_engine import (
    ActivityContext,
    ActivityError,
    Task,
    WorkflowContext,
    call,
)

DOUBLE = ActivityRef("double", int, int)
FLAKY = ActivityRef("flaky", int, int)
FINE = ActivityRef("fine", int, int)
SLOW = ActivityRef("slow", int, int)
HANG = ActivityRef("hang", type(None), str)
ONCE = ActivityRef("once", type(None), type(None))
NOPE = ActivityRef("nope", type(None), type(None))
WAIT = ActivityRef("wait", int, int)
WF = WorkflowRef("wf", object)
QUICK = WorkflowRef("quick", int)
SLOW_WF = WorkflowRef("slow", int)
FAST_RETRY = RetryPolicy(first_retry_interval=timedelta(milliseconds=10),
                         max_number_of_attempts=3, backoff_coefficient=2.0)


class Flaky:
    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.calls = 0
        self.error = error or RuntimeError("transient")

    async def __call__(self, ctx: ActivityContext, value: int) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return value * 2


async def run(engine: InProcessWorkflowEngine, workflow: Any, value: Any = None) -> Any:
    engine.register_workflow(WF, workflow)
    await engine.schedule_new_workflow(WF, input=value, instance_id="i1")
    return await engine.wait_for_workflow_completion("i1", timeout_s=10)


async def test_activity_results_are_sent_back_into_the_generator() -> None:
    engine = InProcessWorkflowEngine()

    def double(ctx: ActivityContext, value: int) -> int:  # sync activities run on a thread
        return value * 2

    engine.register_activity(DOUBLE, double)

    def workflow(ctx: WorkflowContext, value: int) -> Generator[Task, Any, int]:
        first = yield from call(ctx, DOUBLE, value)
        second = yield from call(ctx, DOUBLE, first)
        return second

    state = await run(engine, workflow, 3)
    assert state.status is WorkflowStatus.COMPLETED and state.output == 12


async def test_retries_follow_the_policy_then_succeed() -> None:
    engine = InProcessWorkflowEngine()
    flaky = Flaky(failures=2)
    engine.register_activity(FLAKY, flaky)

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, int]:
        return (yield ctx.call_activity(FLAKY, input=5, retry_policy=FAST_RETRY))

    state = await run(engine, workflow)
    assert state.output == 10 and flaky.calls == 3


async def test_final_failure_is_thrown_into_the_generator_and_can_be_caught() -> None:
    engine = InProcessWorkflowEngine()
    flaky = Flaky(failures=99)
    engine.register_activity(FLAKY, flaky)

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, str]:
        try:
            yield ctx.call_activity(FLAKY, input=1, retry_policy=FAST_RETRY)
        except ActivityError as error:
            return f"{error.error_type}: {error.message}"
        return "unreachable"

    state = await run(engine, workflow)
    assert state.output == "RuntimeError: transient" and flaky.calls == 3


async def test_uncaught_activity_error_fails_the_workflow() -> None:
    engine = InProcessWorkflowEngine()
    engine.register_activity(FLAKY, Flaky(failures=99))

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, None]:
        yield ctx.call_activity(FLAKY, input=1)

    state = await run(engine, workflow)
    assert state.status is WorkflowStatus.FAILED and state.error_type == "ActivityError"


async def test_errors_about_the_input_are_not_retried() -> None:
    engine = InProcessWorkflowEngine()
    flaky = Flaky(failures=99, error=NoExtractableText("blank"))
    engine.register_activity(FLAKY, flaky)

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, str]:
        try:
            yield ctx.call_activity(FLAKY, input=1, retry_policy=FAST_RETRY)
        except ActivityError as error:
            return error.error_type
        return ""

    state = await run(engine, workflow)
    assert state.output == "NoExtractableText" and flaky.calls == 1


async def test_when_all_returns_results_in_order_and_runs_concurrently() -> None:
    engine = InProcessWorkflowEngine()
    running = 0
    peak = 0

    async def slow(ctx: ActivityContext, value: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05 * (5 - value))
        running -= 1
        return value

    engine.register_activity(SLOW, slow)

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, list[int]]:
        return (yield ctx.when_all([ctx.call_activity(SLOW, input=i) for i in range(5)]))

    state = await run(engine, workflow)
    assert state.output == [0, 1, 2, 3, 4] and peak == 5


async def test_when_all_raises_the_first_failure() -> None:
    engine = InProcessWorkflowEngine()
    engine.register_activity(FLAKY, Flaky(failures=99))
    engine.register_activity(FINE, Flaky(failures=0))

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, str]:
        try:
            yield ctx.when_all([ctx.call_activity(FINE, input=1),
                                ctx.call_activity(FLAKY, input=1)])
        except ActivityError as error:
            return error.activity
        return ""

    assert (await run(engine, workflow)).output == "flaky"


async def test_when_any_with_a_timer_implements_a_timeout() -> None:
    engine = InProcessWorkflowEngine()

    async def hang(ctx: ActivityContext, _: Any) -> str:
        await asyncio.sleep(10)
        return "late"

    engine.register_activity(HANG, hang)

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, str]:
        work = ctx.call_activity(HANG, input=None)
        timer = ctx.create_timer(timedelta(milliseconds=50))
        winner = yield ctx.when_any([work, timer])
        return "timed out" if winner is timer else winner.get_result()

    loop = asyncio.get_running_loop()
    started = loop.time()
    state = await run(engine, workflow)
    assert state.output == "timed out" and loop.time() - started < 2
    await engine.shutdown()


async def test_unknown_activity_and_workflow_are_reported() -> None:
    engine = InProcessWorkflowEngine()
    with pytest.raises(LookupError):
        await engine.schedule_new_workflow(WorkflowRef("missing", object), input=None,
                                           instance_id="x")

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, None]:
        yield ctx.call_activity(NOPE, input=None)

    state = await run(engine, workflow)
    assert state.status is WorkflowStatus.FAILED and "nope" in (state.error or "")


async def test_a_running_instance_is_not_started_twice() -> None:
    engine = InProcessWorkflowEngine()
    calls = 0

    async def once(ctx: ActivityContext, _: Any) -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)

    engine.register_activity(ONCE, once)

    def workflow(ctx: WorkflowContext, _: Any) -> Generator[Task, Any, None]:
        yield ctx.call_activity(ONCE, input=None)

    engine.register_workflow(WF, workflow)
    await engine.schedule_new_workflow(WF, input=None, instance_id="same")
    await engine.schedule_new_workflow(WF, input=None, instance_id="same")
    await engine.wait_for_workflow_completion("same", timeout_s=5)
    assert calls == 1


def test_retry_delays_back_off_up_to_the_cap() -> None:
    policy = RetryPolicy(first_retry_interval=timedelta(seconds=1), max_number_of_attempts=5,
                         backoff_coefficient=2.0, max_retry_interval=timedelta(seconds=3))
    assert [policy.delay_before(n).total_seconds() for n in (2, 3, 4, 5)] == [1, 2, 3, 3]


async def test_finished_states_are_bounded_and_running_ones_kept() -> None:
    engine = InProcessWorkflowEngine(max_finished_states=2)
    gate = asyncio.Event()

    async def wait(ctx: ActivityContext, value: int) -> int:
        await gate.wait()
        return value

    engine.register_activity(WAIT, wait)

    def quick(ctx: WorkflowContext, value: int) -> Generator[Task, Any, int]:
        return value
        yield  # a generator that never waits

    def slow(ctx: WorkflowContext, value: int) -> Generator[Task, Any, int]:
        return (yield ctx.call_activity(WAIT, input=value))

    engine.register_workflow(QUICK, quick)
    engine.register_workflow(SLOW_WF, slow)
    await engine.schedule_new_workflow(SLOW_WF, input=0, instance_id="running")
    for n in range(4):
        await engine.schedule_new_workflow(QUICK, input=n, instance_id=f"done{n}")
        await engine.wait_for_workflow_completion(f"done{n}", timeout_s=5)
    assert await engine.get_workflow_state("done0") is None  # the oldest finished are forgotten
    assert await engine.get_workflow_state("done1") is None
    assert (await engine.get_workflow_state("done3")) is not None
    state = await engine.get_workflow_state("running")
    assert state is not None and state.status is WorkflowStatus.RUNNING
    gate.set()
    assert (await engine.wait_for_workflow_completion("running", timeout_s=5)).output == 0
