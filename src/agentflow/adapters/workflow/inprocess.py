"""In-process ``WorkflowEngine``: drives workflow generators on the running event loop.

It implements the Dapr workflow surface the workflows use (``call_activity`` with retry
policies, ``create_timer``, ``when_all``, ``when_any``), throws activity errors back into the
generator as ``ActivityError``, and keeps instance state in memory: durability across restarts
comes from the catalog (unfinished documents are started again), see ADR 0002.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from opentelemetry.trace import Span, StatusCode

from agentflow.adapters.workflow.tasks import RunnerTask, when_all, when_any
from agentflow.domain.errors import IngestionFailed, InvalidInput
from agentflow.domain.workflows import (
    ActivityRef,
    RetryPolicy,
    WorkflowRef,
    WorkflowState,
    WorkflowStatus,
)
from agentflow.observability import tracing
from agentflow.ports.workflow_engine import (
    Activity,
    ActivityError,
    JsonActivity,
    Task,
    Workflow,
    json_activity,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class _ActivityContext:
    workflow_id: str
    task_id: int


class _Context:
    """The ``WorkflowContext`` of one running instance."""

    def __init__(self, engine: InProcessWorkflowEngine, instance_id: str) -> None:
        self._engine = engine
        self._instance_id = instance_id
        self._task_ids = itertools.count(1)

    @property
    def instance_id(self) -> str:
        return self._instance_id

    @property
    def is_replaying(self) -> bool:
        return False  # this runner never replays history

    @property
    def current_utc_datetime(self) -> datetime:
        return datetime.now(UTC)

    def call_activity(
        self, activity: ActivityRef[Any, Any], *, input: Any,
        retry_policy: RetryPolicy | None = None,
    ) -> RunnerTask:
        fn = self._engine.activity(activity.name)
        raw = activity.encode_input(input)  # the JSON a Dapr history would keep
        ctx = _ActivityContext(self._instance_id, next(self._task_ids))
        return RunnerTask(lambda: _call_with_retries(activity.name, fn, ctx, raw, retry_policy))

    def create_timer(self, fire_at: datetime | timedelta) -> RunnerTask:
        delay = fire_at if isinstance(fire_at, timedelta) else fire_at - datetime.now(UTC)
        return RunnerTask(lambda: asyncio.sleep(max(0.0, delay.total_seconds())))

    def when_all(self, tasks: Sequence[Task]) -> RunnerTask:
        return when_all(tasks)

    def when_any(self, tasks: Sequence[Task]) -> RunnerTask:
        return when_any(tasks)


async def _call_with_retries(
    name: str, fn: JsonActivity, ctx: _ActivityContext, input: Any, policy: RetryPolicy | None
) -> Any:
    with tracing.span(f"activity {name}", attributes={"agentflow.workflow_id": ctx.workflow_id}) as span:
        return await _attempts(name, fn, ctx, input, policy, span)


async def _attempts(name: str, fn: JsonActivity, ctx: _ActivityContext, input: Any,
                    policy: RetryPolicy | None, span: Span) -> Any:
    attempts = policy.max_number_of_attempts if policy else 1
    started = asyncio.get_running_loop().time()
    attempt = 1
    while True:
        span.set_attribute("agentflow.attempt", attempt)
        try:
            return await fn(ctx, input)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error_type = type(exc).__name__
            out_of_time = (
                policy is not None
                and policy.retry_timeout is not None
                and asyncio.get_running_loop().time() - started
                >= policy.retry_timeout.total_seconds()
            )
            final = attempt >= attempts or out_of_time or _non_retryable(exc)
            log.warning(
                "activity_failed", activity=name, attempt=attempt, error_type=error_type,
                final=final, workflow_id=ctx.workflow_id,
            )
            if final:
                span.set_status(StatusCode.ERROR, error_type)
                raise ActivityError(name, error_type, str(exc)) from exc
            attempt += 1
            assert policy is not None
            await asyncio.sleep(policy.delay_before(attempt).total_seconds())


def _non_retryable(exc: Exception) -> bool:
    # Errors that describe the input (not a transient fault) would fail the same way again.
    return isinstance(exc, IngestionFailed | InvalidInput)


class InProcessWorkflowEngine:
    """Runs each workflow instance as an asyncio task owned by the engine."""

    def __init__(self, *, max_finished_states: int = 10_000) -> None:
        self._max_finished = max_finished_states
        self._workflows: dict[str, tuple[WorkflowRef[Any], Workflow[Any]]] = {}
        self._activities: dict[str, JsonActivity] = {}
        self._states: dict[str, WorkflowState] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def register_workflow(self, workflow: WorkflowRef[Any], fn: Workflow[Any]) -> None:
        self._workflows[workflow.name] = (workflow, fn)

    def register_activity(self, activity: ActivityRef[Any, Any], fn: Activity[Any, Any]) -> None:
        self._activities[activity.name] = json_activity(activity, fn)

    def activity(self, name: str) -> JsonActivity:
        try:
            return self._activities[name]
        except KeyError:
            raise LookupError(f"activity {name!r} is not registered") from None

    async def start(self) -> None:
        return None

    async def shutdown(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def schedule_new_workflow(
        self, workflow: WorkflowRef[Any], *, input: Any, instance_id: str
    ) -> str:
        if workflow.name not in self._workflows:
            raise LookupError(f"workflow {workflow.name!r} is not registered")
        raw = workflow.encode(input)
        running = self._tasks.get(instance_id)
        if running is not None and not running.done():
            return instance_id
        self._states[instance_id] = WorkflowState(
            instance_id=instance_id, name=workflow.name, status=WorkflowStatus.RUNNING
        )
        task = asyncio.create_task(self._run(workflow.name, instance_id, raw))
        self._tasks[instance_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(instance_id, None))
        return instance_id

    async def get_workflow_state(self, instance_id: str) -> WorkflowState | None:
        return self._states.get(instance_id)

    async def wait_for_workflow_completion(
        self, instance_id: str, *, timeout_s: float
    ) -> WorkflowState:
        task = self._tasks.get(instance_id)
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), timeout_s)
        state = self._states.get(instance_id)
        if state is None:
            raise LookupError(f"no workflow instance {instance_id!r}")
        return state

    async def _run(self, name: str, instance_id: str, input: Any) -> None:
        # Scheduled inside a request, the task inherited its span; otherwise (a queue worker,
        # a resumed document) the input's traceparent names the trace to continue.
        parent = None if tracing.current_ids() or not isinstance(input, dict) \
            else input.get("traceparent")
        with tracing.span(f"workflow {name}", parent=parent,
                          attributes={"agentflow.instance_id": instance_id}):
            await self._run_traced(name, instance_id, input)

    async def _run_traced(self, name: str, instance_id: str, input: Any) -> None:
        ctx = _Context(self, instance_id)
        workflow, fn = self._workflows[name]
        try:
            output = await _drive(fn(ctx, workflow.decode(input)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("workflow_failed", workflow=name, instance_id=instance_id,
                      error_type=type(exc).__name__, error=str(exc))
            self._finish(WorkflowState(
                instance_id=instance_id, name=name, status=WorkflowStatus.FAILED,
                error=str(exc), error_type=type(exc).__name__,
            ))
            return
        self._finish(WorkflowState(
            instance_id=instance_id, name=name, status=WorkflowStatus.COMPLETED, output=output
        ))

    def _finish(self, state: WorkflowState) -> None:
        """Record a final state, ordered by completion, and forget the oldest beyond the cap."""
        self._states.pop(state.instance_id, None)  # re-inserted last: oldest means finished first
        self._states[state.instance_id] = state
        self._forget_oldest_finished()

    def _forget_oldest_finished(self) -> None:
        """Keep memory bounded: every query is an instance; their records live in the catalog."""
        finished = [i for i, state in self._states.items()
                    if state.status is not WorkflowStatus.RUNNING]
        for instance_id in finished[:max(0, len(finished) - self._max_finished)]:
            del self._states[instance_id]


async def _drive(generator: Any) -> Any:
    """Send each yielded task's result back in, or throw its error in."""
    if not inspect.isgenerator(generator):
        return generator  # a workflow that never yields
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            task = generator.throw(error) if error is not None else generator.send(value)
        except StopIteration as stop:
            return stop.value
        if not isinstance(task, RunnerTask):
            generator.close()
            raise TypeError(f"workflow yielded {type(task).__name__}, not a context task")
        try:
            value, error = await task.wait(), None
        except ActivityError as exc:
            value, error = None, exc
