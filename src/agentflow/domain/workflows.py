"""Workflow instance state as a ``WorkflowEngine`` reports it, and activity retry policy."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


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
