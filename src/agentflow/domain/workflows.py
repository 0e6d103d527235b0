"""Typed handles on workflows and activities, instance state as a ``WorkflowEngine`` reports
it, and activity retry policy.

A handle names a registered workflow or activity and the types of what crosses its boundary.
Engines keep only JSON (Dapr writes it to its history); the handle turns values into that JSON
and back, so a workflow calls ``BEGIN`` with a ``DocumentRef`` and gets a ``Plan``, never a
string name and a dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter

InT = TypeVar("InT")
OutT = TypeVar("OutT")


@dataclass(frozen=True)
class WorkflowRef(Generic[InT]):
    """A workflow's registered name and the type of its input."""

    name: str
    input: type[InT]
    _in: TypeAdapter[InT] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the type adapters once per handle."""
        object.__setattr__(self, "_in", TypeAdapter(self.input))

    def encode(self, value: InT) -> Any:
        """The input as JSON-compatible data, as an engine stores it."""
        return self._in.dump_python(self._in.validate_python(value), mode="json")

    def decode(self, raw: Any) -> InT:
        """The input back from its JSON form; a malformed one raises ``ValidationError``."""
        return self._in.validate_python(raw)


@dataclass(frozen=True)
class ActivityRef(Generic[InT, OutT]):
    """An activity's registered name and the types of its input and output."""

    name: str
    input: type[InT]
    output: type[OutT]
    _in: TypeAdapter[InT] = field(init=False, repr=False, compare=False)
    _out: TypeAdapter[OutT] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the type adapters once per handle."""
        object.__setattr__(self, "_in", TypeAdapter(self.input))
        object.__setattr__(self, "_out", TypeAdapter(self.output))

    def encode_input(self, value: InT) -> Any:
        """The input as JSON-compatible data (checked against its type first)."""
        return self._in.dump_python(self._in.validate_python(value), mode="json")

    def decode_input(self, raw: Any) -> InT:
        """The input back from its JSON form."""
        return self._in.validate_python(raw)

    def encode_output(self, value: OutT) -> Any:
        """The output as JSON-compatible data (checked against its type first)."""
        return self._out.dump_python(self._out.validate_python(value), mode="json")

    def decode_output(self, raw: Any) -> OutT:
        """The output back from its JSON form."""
        return self._out.validate_python(raw)


class WorkflowStatus(StrEnum):
    """Where a workflow instance stands; a terminated one counts as failed."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class WorkflowState(BaseModel):
    """A workflow instance as an engine reports it: its output once completed, its error's
    message and type name once failed."""

    instance_id: str
    name: str
    status: WorkflowStatus
    output: Any = None
    error: str | None = None
    error_type: str | None = None


class RetryPolicy(BaseModel):
    """Same fields and meaning as ``dapr.ext.workflow.RetryPolicy``."""

    first_retry_interval: timedelta
    max_number_of_attempts: int
    backoff_coefficient: float = 1.0
    max_retry_interval: timedelta | None = None
    retry_timeout: timedelta | None = None

    def delay_before(self, attempt: int) -> timedelta:
        """Delay before attempt ``attempt`` (2 = first retry)."""
        seconds = self.first_retry_interval.total_seconds() * (
            self.backoff_coefficient ** max(0, attempt - 2)
        )
        if self.max_retry_interval is not None:
            seconds = min(seconds, self.max_retry_interval.total_seconds())
        return timedelta(seconds=seconds)
