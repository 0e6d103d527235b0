"""Durable workflows written once as Dapr-style generators, run by either engine.

A workflow is a generator ``fn(ctx, input)`` that yields tasks made by the context and receives
their results (or has their errors thrown in); it does no I/O itself. An activity is a function
``fn(ctx, input)`` (sync or async) doing the I/O. Inputs and outputs are JSON-compatible.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from agentflow.domain.errors import AgentFlowError
from agentflow.domain.workflows import RetryPolicy, WorkflowState


class Task(Protocol):
    """A pending result; yield it from the workflow to wait for it."""

    @property
    def is_complete(self) -> bool: ...

    def get_result(self) -> Any: ...


class WorkflowContext(Protocol):
    """The surface of ``dapr.ext.workflow.DaprWorkflowContext`` that workflows may use."""

    @property
    def instance_id(self) -> str: ...

    @property
    def is_replaying(self) -> bool: ...

    @property
    def current_utc_datetime(self) -> datetime: ...

    def call_activity(
        self, activity: str, *, input: Any = None, retry_policy: RetryPolicy | None = None
    ) -> Task: ...

    def create_timer(self, fire_at: datetime | timedelta) -> Task: ...

    def when_all(self, tasks: Sequence[Task]) -> Task: ...

    def when_any(self, tasks: Sequence[Task]) -> Task: ...


class ActivityContext(Protocol):
    """What an activity learns about its call (as ``WorkflowActivityContext``)."""

    @property
    def workflow_id(self) -> str: ...

    @property
    def task_id(self) -> int: ...


Workflow = Callable[[WorkflowContext, Any], Generator[Task, Any, Any]]
Activity = Callable[[ActivityContext, Any], Any]


class ActivityError(AgentFlowError):
    """An activity failed after its retries; thrown into the workflow generator.

    Carries only what crosses a Dapr history: the error's type name and message.
    """

    code = "activity_failed"
    title = "Activity failed"

    def __init__(self, activity: str, error_type: str, message: str) -> None:
        super().__init__(message, activity=activity, error_type=error_type)
        self.activity = activity
        self.error_type = error_type
        self.message = message


class WorkflowEngine(Protocol):
    """Registers workflows and activities, starts instances and reports their state."""

    def register_workflow(self, fn: Workflow, *, name: str | None = None) -> None: ...

    def register_activity(self, fn: Activity, *, name: str | None = None) -> None: ...

    async def start(self) -> None: ...

    async def shutdown(self) -> None: ...

    async def schedule_new_workflow(
        self, workflow: str, *, input: Any = None, instance_id: str
    ) -> str:
        """Start an instance; an id that is still running is not started twice."""
        ...

    async def get_workflow_state(self, instance_id: str) -> WorkflowState | None: ...

    async def wait_for_workflow_completion(
        self, instance_id: str, *, timeout_s: float
    ) -> WorkflowState: ...
