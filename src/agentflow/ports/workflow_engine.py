"""Durable workflows written once as Dapr-style generators, run by either engine.

A workflow is a generator ``fn(ctx, input)`` that yields tasks made by the context and receives
their results (or has their errors thrown in); it does no I/O itself. An activity is a function
``fn(ctx, input)`` (sync or async) doing the I/O. Both are registered and called through typed
handles (``WorkflowRef``, ``ActivityRef``): engines keep the JSON the handle makes of a value,
and a task resolves to the JSON of its output; ``call`` and ``call_all`` give it back typed.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Generator, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

from agentflow.domain.errors import AgentFlowError
from agentflow.domain.workflows import ActivityRef, RetryPolicy, WorkflowRef, WorkflowState

InT = TypeVar("InT")
OutT = TypeVar("OutT")


class Task(Protocol):
    """A pending result; yield it from the workflow to wait for it."""

    @property
    def is_complete(self) -> bool:
        """Whether the task has its result (or its error)."""
        ...

    def get_result(self) -> Any:
        """The task's result once complete; a failed task raises its error."""
        ...


class WorkflowContext(Protocol):
    """The surface of ``dapr.ext.workflow.DaprWorkflowContext`` that workflows may use."""

    @property
    def instance_id(self) -> str:
        """The id of the running workflow instance."""
        ...

    @property
    def is_replaying(self) -> bool:
        """Whether Dapr is replaying history (never in process): skip side effects such as logs."""
        ...

    @property
    def current_utc_datetime(self) -> datetime:
        """The workflow's time, deterministic under replay (use it, not ``datetime.now``)."""
        ...

    def call_activity(
        self, activity: ActivityRef[InT, Any], *, input: InT,
        retry_policy: RetryPolicy | None = None,
    ) -> Task:
        """A task that runs the registered ``activity`` with ``input``, retried per
        ``retry_policy``, resolving to its output's JSON; its final failure is thrown in as
        ``ActivityError``. Errors about the input (``InvalidInput``, ``IngestionFailed``) are
        never retried."""
        ...

    def create_timer(self, fire_at: datetime | timedelta) -> Task:
        """A task that completes at ``fire_at`` (a UTC time, or a delay from now)."""
        ...

    def when_all(self, tasks: Sequence[Task]) -> Task:
        """A task resolving to the results of ``tasks``, in order; the first failure is raised."""
        ...

    def when_any(self, tasks: Sequence[Task]) -> Task:
        """A task resolving to the first of ``tasks`` to complete (that task, not its result)."""
        ...


class ActivityContext(Protocol):
    """What an activity learns about its call (as ``WorkflowActivityContext``)."""

    @property
    def workflow_id(self) -> str:
        """The id of the workflow instance that called the activity."""
        ...

    @property
    def task_id(self) -> int:
        """The call's sequence number within that instance."""
        ...


Workflow = Callable[[WorkflowContext, InT], Generator[Task, Any, Any]]
Activity = Callable[[ActivityContext, InT], Awaitable[OutT] | OutT]
JsonActivity = Callable[[ActivityContext, Any], Awaitable[Any]]


def call(ctx: WorkflowContext, activity: ActivityRef[InT, OutT], input: InT, *,
         retry_policy: RetryPolicy | None = None) -> Generator[Task, Any, OutT]:
    """Run ``activity`` and return its output, typed: ``out = yield from call(ctx, REF, x)``."""
    raw = yield ctx.call_activity(activity, input=input, retry_policy=retry_policy)
    return activity.decode_output(raw)


def call_all(ctx: WorkflowContext, activity: ActivityRef[InT, OutT], inputs: Sequence[InT], *,
             retry_policy: RetryPolicy | None = None) -> Generator[Task, Any, list[OutT]]:
    """Run ``activity`` once per input, concurrently; their outputs in order, typed."""
    raws = yield ctx.when_all([ctx.call_activity(activity, input=one, retry_policy=retry_policy)
                               for one in inputs])
    return [activity.decode_output(raw) for raw in raws]


def json_activity(activity: ActivityRef[InT, OutT], fn: Activity[InT, OutT]) -> JsonActivity:
    """``fn`` behind the JSON boundary an engine keeps: its input decoded, its output encoded.
    A synchronous ``fn`` runs on a worker thread."""
    is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        type(fn).__call__)  # a callable object's async __call__

    async def run(ctx: ActivityContext, raw: Any) -> Any:
        value = activity.decode_input(raw)
        if is_async:
            result = await cast(Callable[[ActivityContext, InT], Awaitable[OutT]], fn)(ctx, value)
        else:
            result = cast(OutT, await asyncio.to_thread(fn, ctx, value))
        return activity.encode_output(result)

    run.__name__ = activity.name
    return run


class ActivityError(AgentFlowError):
    """An activity failed after its retries; thrown into the workflow generator.

    Carries only what crosses a Dapr history: the error's type name and message.
    """

    code = "activity_failed"
    title = "Activity failed"

    def __init__(self, activity: str, error_type: str, message: str) -> None:
        """``activity``: the failed activity's name; ``error_type`` and ``message``: its error's
        type name and message."""
        super().__init__(message, activity=activity, error_type=error_type)
        self.activity = activity
        self.error_type = error_type
        self.message = message


class WorkflowEngine(Protocol):
    """Registers workflows and activities, starts instances and reports their state."""

    def register_workflow(self, workflow: WorkflowRef[InT], fn: Workflow[InT]) -> None:
        """Make ``fn`` startable as ``workflow``; register it before ``start``."""
        ...

    def register_activity(self, activity: ActivityRef[InT, OutT],
                          fn: Activity[InT, OutT]) -> None:
        """Make ``fn`` callable from workflows as ``activity``."""
        ...

    async def start(self) -> None:
        """Get ready to schedule and run instances (Dapr: start the worker, connect the client)."""
        ...

    async def shutdown(self) -> None:
        """Stop running workflows in this process: in-process instances are cancelled; Dapr's
        stay in its history for a worker to resume."""
        ...

    async def schedule_new_workflow(
        self, workflow: WorkflowRef[InT], *, input: InT, instance_id: str
    ) -> str:
        """Start an instance; an id that is still running is not started twice."""
        ...

    async def get_workflow_state(self, instance_id: str) -> WorkflowState | None:
        """The instance's current state; None if the engine does not know it (in process, the
        oldest finished states are forgotten)."""
        ...

    async def wait_for_workflow_completion(
        self, instance_id: str, *, timeout_s: float
    ) -> WorkflowState:
        """The instance's final state; raises ``TimeoutError`` if it is still running after
        ``timeout_s``."""
        ...
