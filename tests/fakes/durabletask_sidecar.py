"""An in-memory Dapr workflow backend: the durabletask ``TaskHubSidecarService`` over real gRPC.

No package offers one and ``daprd`` is not available here, so the tests serve the protocol the
Dapr SDK's ``WorkflowRuntime`` (worker) and ``DaprWorkflowClient`` speak: instances with their
histories, workflow work items carrying the whole past plus the new events, activity work items,
timers, external events, termination, and waiting for completion. Retries are the SDK's own
(retry timers arrive as ``createTimer`` actions), as under ``daprd``.
"""

from __future__ import annotations

import queue
import threading
import uuid
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
from dapr.ext.workflow._durabletask.internal import helpers as ph
from dapr.ext.workflow._durabletask.internal import orchestrator_service_pb2_grpc as stubs
from dapr.ext.workflow._durabletask.internal import protos as pb
from google.protobuf import empty_pb2, timestamp_pb2, wrappers_pb2

RUNNING, COMPLETED, FAILED, TERMINATED = (pb.ORCHESTRATION_STATUS_RUNNING,
                                          pb.ORCHESTRATION_STATUS_COMPLETED,
                                          pb.ORCHESTRATION_STATUS_FAILED,
                                          pb.ORCHESTRATION_STATUS_TERMINATED)


def _now() -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(datetime.now(UTC))
    return stamp


@dataclass
class Instance:
    id: str
    name: str
    input: str | None
    status: int = RUNNING
    output: str | None = None
    failure: Any = None
    created: timestamp_pb2.Timestamp = field(default_factory=_now)
    updated: timestamp_pb2.Timestamp = field(default_factory=_now)
    history: list[Any] = field(default_factory=list)
    inbox: list[Any] = field(default_factory=list)  # new events not yet sent to the worker
    sent: list[Any] = field(default_factory=list)  # new events of the work item in flight
    in_flight: bool = False

    def done(self) -> bool:
        return self.status in (COMPLETED, FAILED, TERMINATED)


class FakeTaskHub(stubs.TaskHubSidecarServiceServicer):  # type: ignore[misc]
    """The backend state and the gRPC methods; one lock guards every instance."""

    def __init__(self) -> None:
        self.instances: dict[str, Instance] = {}
        self.work: queue.Queue[Any] = queue.Queue()
        self.activity_calls: list[str] = []
        self._lock = threading.Condition()
        self._timers: list[threading.Timer] = []

    # -- client side -----------------------------------------------------------------------

    def Hello(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def StartInstance(self, request: Any, context: Any) -> Any:
        instance_id = request.instanceId or uuid.uuid4().hex
        with self._lock:
            existing = self.instances.get(instance_id)
            if existing is not None and not existing.done():
                context.abort(grpc.StatusCode.ALREADY_EXISTS, f"{instance_id} is running")
            encoded = request.input.value if request.HasField("input") else None
            instance = self.instances[instance_id] = Instance(instance_id, request.name, encoded)
            instance.inbox.append(ph.new_execution_started_event(
                request.name, instance_id, encoded))
            self._dispatch(instance)
        return pb.CreateInstanceResponse(instanceId=instance_id)

    def _state(self, instance: Instance | None) -> Any:
        if instance is None:
            return pb.GetInstanceResponse(exists=False)
        state = pb.WorkflowState(instanceId=instance.id, name=instance.name,
                                 workflowStatus=instance.status, createdTimestamp=instance.created,
                                 lastUpdatedTimestamp=instance.updated)
        for name in ("input", "output"):
            value = getattr(instance, name)
            if value is not None:
                getattr(state, name).CopyFrom(wrappers_pb2.StringValue(value=value))
        if instance.failure is not None:
            state.failureDetails.CopyFrom(instance.failure)
        return pb.GetInstanceResponse(exists=True, workflowState=state)

    def GetInstance(self, request: Any, context: Any) -> Any:
        with self._lock:
            return self._state(self.instances.get(request.instanceId))

    def WaitForInstanceStart(self, request: Any, context: Any) -> Any:
        return self.GetInstance(request, context)

    def WaitForInstanceCompletion(self, request: Any, context: Any) -> Any:
        with self._lock:
            while context.is_active():
                instance = self.instances.get(request.instanceId)
                if instance is None or instance.done():
                    return self._state(instance)
                self._lock.wait(0.1)
            return self._state(self.instances.get(request.instanceId))

    def RaiseEvent(self, request: Any, context: Any) -> Any:
        with self._lock:
            instance = self.instances.get(request.instanceId)
            if instance is None:
                context.abort(grpc.StatusCode.NOT_FOUND, f"no instance {request.instanceId}")
            encoded = request.input.value if request.HasField("input") else None
            self._deliver(instance, ph.new_event_raised_event(request.name, encoded))
        return pb.RaiseEventResponse()

    def TerminateInstance(self, request: Any, context: Any) -> Any:
        with self._lock:
            instance = self.instances.get(request.instanceId)
            if instance is None:
                context.abort(grpc.StatusCode.NOT_FOUND, f"no instance {request.instanceId}")
            if not instance.done():
                instance.status, instance.updated = TERMINATED, _now()
                instance.output = request.output.value if request.HasField("output") else None
                self._lock.notify_all()
        return pb.TerminateResponse()

    # -- worker side -----------------------------------------------------------------------

    def GetWorkItems(self, request: Any, context: Any) -> Any:
        while context.is_active():
            try:
                item = self.work.get(timeout=0.1)
            except queue.Empty:
                continue
            yield item

    def CompleteOrchestratorTask(self, response: Any, context: Any) -> Any:
        with self._lock:
            instance = self.instances[response.instanceId]
            instance.history.extend(instance.sent)
            instance.sent, instance.in_flight = [], False
            if instance.done():  # terminated while the worker was busy
                return pb.CompleteTaskResponse()
            for action in response.actions:
                self._apply(instance, action)
            instance.updated = _now()
            self._dispatch(instance)
            self._lock.notify_all()
        return pb.CompleteTaskResponse()

    def _apply(self, instance: Instance, action: Any) -> None:
        kind = action.WhichOneof("workflowActionType")
        if kind == "scheduleTask":
            task = action.scheduleTask
            event = pb.HistoryEvent(eventId=action.id, timestamp=_now(), taskScheduled=pb.TaskScheduledEvent(
                name=task.name, input=task.input, taskExecutionId=task.taskExecutionId))
            instance.history.append(event)
            self.activity_calls.append(task.name)
            self.work.put(pb.WorkItem(activityRequest=pb.ActivityRequest(
                name=task.name, input=task.input, taskId=action.id,
                taskExecutionId=task.taskExecutionId,
                workflowInstance=pb.WorkflowInstance(instanceId=instance.id))))
        elif kind == "createTimer":
            timer = action.createTimer
            created = pb.HistoryEvent(eventId=action.id, timestamp=_now())
            created.timerCreated.fireAt.CopyFrom(timer.fireAt)
            instance.history.append(created)
            fired = pb.HistoryEvent(eventId=-1, timestamp=_now())
            fired.timerFired.fireAt.CopyFrom(timer.fireAt)
            fired.timerFired.timerId = action.id
            delay = max(0.0, timer.fireAt.ToDatetime(tzinfo=UTC).timestamp()
                        - datetime.now(UTC).timestamp())
            if delay < 24 * 3600:  # the SDK marks "wait for an event forever" with year 9999
                self._later(delay, instance.id, fired)
        elif kind == "completeWorkflow":
            done = action.completeWorkflow
            instance.status = done.workflowStatus
            instance.output = done.result.value if done.HasField("result") else None
            instance.failure = done.failureDetails if done.HasField("failureDetails") else None
        else:
            raise NotImplementedError(f"action {kind} is not supported by the fake backend")

    def CompleteActivityTask(self, response: Any, context: Any) -> Any:
        with self._lock:
            instance = self.instances.get(response.instanceId)
            if instance is None or instance.done():
                return pb.CompleteTaskResponse()
            event = pb.HistoryEvent(eventId=-1, timestamp=_now())
            if response.HasField("failureDetails"):
                event.taskFailed.taskScheduledId = response.taskId
                event.taskFailed.failureDetails.CopyFrom(response.failureDetails)
            else:
                event.taskCompleted.taskScheduledId = response.taskId
                if response.HasField("result"):
                    event.taskCompleted.result.value = response.result.value
            self._deliver(instance, event)
        return pb.CompleteTaskResponse()

    # -- dispatch --------------------------------------------------------------------------

    def _deliver(self, instance: Instance, event: Any) -> None:
        instance.inbox.append(event)
        self._dispatch(instance)

    def _dispatch(self, instance: Instance) -> None:
        """Send the next workflow work item when the worker is not busy with this instance."""
        if instance.in_flight or not instance.inbox or instance.done():
            return
        instance.sent = [ph.new_workflow_started_event(datetime.now(UTC)), *instance.inbox]
        instance.inbox, instance.in_flight = [], True
        self.work.put(pb.WorkItem(workflowRequest=pb.WorkflowRequest(
            instanceId=instance.id, pastEvents=instance.history, newEvents=instance.sent)))

    def _later(self, delay_s: float, instance_id: str, event: Any) -> None:
        def fire() -> None:
            with self._lock:
                instance = self.instances.get(instance_id)
                if instance is not None and not instance.done():
                    self._deliver(instance, event)

        timer = threading.Timer(delay_s, fire)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()


class FakeSidecar:
    """``FakeTaskHub`` served on a loopback port; ``host``/``port`` go to the Dapr SDK."""

    def __init__(self) -> None:
        self.hub = FakeTaskHub()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
        stubs.add_TaskHubSidecarServiceServicer_to_server(self.hub, self._server)
        self.host = "127.0.0.1"
        self.port = self._server.add_insecure_port(f"{self.host}:0")

    def __enter__(self) -> FakeSidecar:
        self._server.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.hub.stop()
        self._server.stop(grace=None)
