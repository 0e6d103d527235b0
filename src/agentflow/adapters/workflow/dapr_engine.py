"""``WorkflowEngine`` on Dapr: the same generator workflows, registered with ``WorkflowRuntime``.

Dapr replays each workflow from its history; our generators are deterministic, so they only need
their context translated: ``call_activity`` by name with our ``RetryPolicy`` mapped to Dapr's,
``when_all``/``when_any`` forwarded, and a failed task thrown in as ``ActivityError`` (type and
message, all a history keeps). Errors that describe the input are raised as Dapr's
``NonRetryableError`` so no retry policy repeats them, exactly as the in-process runner does.

Dapr's worker runs activities on its own thread and event loop; ours need the application's loop
(their adapters' clients live there), so each activity is handed over to that loop.
"""

from __future__ import annotations

import asyncio
import gc
import re
import threading
import warnings
from collections.abc import Generator, Sequence
from datetime import datetime, timedelta
from typing import Any

import dapr.ext.workflow as wf
import structlog
from dapr.ext.workflow._durabletask.task import NonRetryableError, TaskFailedError

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
_ENCODED = re.compile(r"^\[(\w+)\] (.*)$", re.DOTALL)
_STOPPED: Any = None  # the runtime of an engine that was shut down
_STATUS = {"COMPLETED": WorkflowStatus.COMPLETED, "FAILED": WorkflowStatus.FAILED,
           "TERMINATED": WorkflowStatus.FAILED}


def dapr_retry_policy(policy: RetryPolicy | None) -> wf.RetryPolicy | None:
    if policy is None:
        return None
    return wf.RetryPolicy(first_retry_interval=policy.first_retry_interval,
                          max_number_of_attempts=policy.max_number_of_attempts,
                          backoff_coefficient=policy.backoff_coefficient,
                          max_retry_interval=policy.max_retry_interval,
                          retry_timeout=policy.retry_timeout)


class DaprContext:
    """Our ``WorkflowContext`` over ``DaprWorkflowContext``."""

    def __init__(self, inner: wf.DaprWorkflowContext) -> None:
        self._inner = inner
        self.names: dict[int, str] = {}  # task -> activity name, for ActivityError

    @property
    def instance_id(self) -> str:
        return str(self._inner.instance_id)

    @property
    def is_replaying(self) -> bool:
        return bool(self._inner.is_replaying)

    @property
    def current_utc_datetime(self) -> datetime:
        return self._inner.current_utc_datetime

    def call_activity(self, activity: ActivityRef[Any, Any], *, input: Any,
                      retry_policy: RetryPolicy | None = None) -> Task:
        task: Task = self._inner.call_activity(activity.name,
                                               input=activity.encode_input(input),
                                               retry_policy=dapr_retry_policy(retry_policy))
        self.names[id(task)] = activity.name
        return task

    def create_timer(self, fire_at: datetime | timedelta) -> Task:
        return self._inner.create_timer(fire_at)

    def when_all(self, tasks: Sequence[Task]) -> Task:
        return wf.when_all(list(tasks))  # type: ignore[arg-type]

    def when_any(self, tasks: Sequence[Task]) -> Task:
        return wf.when_any(list(tasks))  # type: ignore[arg-type]


def drive(ctx: DaprContext, inner: Generator[Task, Any, Any]) -> Generator[Task, Any, Any]:
    """Run ``inner`` under Dapr: yield its tasks, send results in, throw failures in as
    ``ActivityError``."""
    value: Any = None
    error: ActivityError | None = None
    while True:
        try:
            task = inner.throw(error) if error is not None else inner.send(value)
        except StopIteration as stop:
            return stop.value
        value, error = None, None
        try:
            value = yield task
        except TaskFailedError as failure:
            error_type, message = failure.details.error_type, failure.details.message
            encoded = _ENCODED.match(message or "") if error_type == "NonRetryableError" else None
            if encoded:
                error_type, message = encoded.group(1), encoded.group(2)
            error = ActivityError(ctx.names.get(id(task), "when_all"), error_type, message)


_WORKER_THREAD = "WorkerRunLoop"  # the name the Dapr SDK gives its worker's thread
WORKER_JOIN_S = 30.0


def _join_worker_threads() -> None:
    for thread in threading.enumerate():
        if thread.name == _WORKER_THREAD and thread is not threading.current_thread():
            thread.join(timeout=WORKER_JOIN_S)


class DaprWorkflowEngine:
    """``worker=False``: only start workflows and read their state (a gateway); the workflows
    and activities then run in the process that has the worker (the orchestrator)."""

    def __init__(self, *, host: str | None = None, port: str | None = None,
                 worker: bool = True) -> None:
        self._host, self._port = host, port
        self._worker = worker
        self._runtime = wf.WorkflowRuntime(host=host, port=port)
        self._client: wf.DaprWorkflowClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def register_workflow(self, workflow: WorkflowRef[Any], fn: Workflow[Any]) -> None:
        def orchestrator(ctx: wf.DaprWorkflowContext, raw: Any = None) -> Any:
            context = DaprContext(ctx)
            return (yield from drive(context, fn(context, workflow.decode(raw))))

        self._runtime.register_workflow(orchestrator, name=workflow.name)

    def register_activity(self, activity: ActivityRef[Any, Any], fn: Activity[Any, Any]) -> None:
        label, run = activity.name, json_activity(activity, fn)

        async def dapr_activity(ctx: wf.WorkflowActivityContext, raw: Any = None) -> Any:
            if self._loop is None:
                raise RuntimeError("the engine is not started")
            future = asyncio.run_coroutine_threadsafe(self._call(label, run, ctx, raw),
                                                      self._loop)
            return await asyncio.wrap_future(future)

        dapr_activity.__name__ = label
        self._runtime.register_activity(dapr_activity, name=label)

    @staticmethod
    async def _call(label: str, fn: JsonActivity, ctx: wf.WorkflowActivityContext,
                    raw: Any) -> Any:
        # Replayed workflow code makes no spans; each activity continues the trace its
        # workflow's input carries (the request that started it).
        parent = raw.get("traceparent") if isinstance(raw, dict) else None
        try:
            with tracing.span(f"activity {label}", parent=parent,  # as the in-process runner
                              attributes={"agentflow.workflow_id": ctx.workflow_id}):
                return await fn(_ActivityContext(ctx), raw)
        except (InvalidInput, IngestionFailed) as exc:
            # The input is wrong: no retry policy may repeat it (as in the in-process runner).
            raise NonRetryableError(f"[{type(exc).__name__}] {exc}") from exc

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._worker:
            await asyncio.to_thread(self._runtime.start)
        self._client = wf.DaprWorkflowClient(host=self._host, port=self._port)

    async def shutdown(self) -> None:
        if self._runtime is _STOPPED:
            return
        if self._worker:
            await asyncio.to_thread(self._runtime.shutdown)
            # The SDK joins its worker thread with a time limit; one still draining then
            # drops its event loop later. Wait for it, so the loop is collected below.
            await asyncio.to_thread(_join_worker_threads)
        # The SDK's worker thread (now joined) never closes the event loop it made. Drop the
        # runtime that keeps it reachable and collect it here, quietly, instead of letting its
        # ResourceWarning surface at some random later moment. The engine cannot start again.
        self._runtime = _STOPPED
        self._client = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()

    def _require_client(self) -> wf.DaprWorkflowClient:
        if self._client is None:
            raise RuntimeError("the engine is not started")
        return self._client

    async def schedule_new_workflow(self, workflow: WorkflowRef[Any], *, input: Any,
                                    instance_id: str) -> str:
        client = self._require_client()
        current = await self.get_workflow_state(instance_id)
        if current is not None and current.status is WorkflowStatus.RUNNING:
            return instance_id  # never started twice
        return str(await asyncio.to_thread(client.schedule_new_workflow, workflow=workflow.name,
                                           input=workflow.encode(input),
                                           instance_id=instance_id))

    async def get_workflow_state(self, instance_id: str) -> WorkflowState | None:
        client = self._require_client()
        state = await asyncio.to_thread(client.get_workflow_state, instance_id)
        return None if state is None else _state(instance_id, state)

    async def wait_for_workflow_completion(self, instance_id: str, *,
                                           timeout_s: float) -> WorkflowState:
        client = self._require_client()
        state = await asyncio.to_thread(client.wait_for_workflow_completion, instance_id,
                                        timeout_in_seconds=max(1, round(timeout_s)))
        if state is None:
            raise TimeoutError(f"workflow {instance_id} did not finish in {timeout_s}s")
        return _state(instance_id, state)


class _ActivityContext:
    def __init__(self, inner: wf.WorkflowActivityContext) -> None:
        self._inner = inner

    @property
    def workflow_id(self) -> str:
        return str(self._inner.workflow_id)

    @property
    def task_id(self) -> int:
        return int(self._inner.task_id)


def _state(instance_id: str, state: Any) -> WorkflowState:
    status = _STATUS.get(state.runtime_status.name, WorkflowStatus.RUNNING)
    failure = state.failure_details
    output = state.serialized_output
    return WorkflowState(
        instance_id=instance_id, name=state.name, status=status,
        output=None if output in (None, "") else _json(output),
        error=failure.message if failure is not None else (
            "terminated" if state.runtime_status.name == "TERMINATED" else None),
        error_type=failure.error_type if failure is not None else None)


def _json(text: str) -> Any:
    import json

    return json.loads(text)
