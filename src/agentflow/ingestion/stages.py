"""Running a ``BatchStage`` on any worker: build its callable once per process, feed it columns.

Both executors use this: the process pool calls ``apply_stage`` in its workers, Ray's actors call
``build_stage`` in their constructor. Stage outputs are plain columns so that they cross process
boundaries (pickle, Arrow) unchanged.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from opentelemetry.trace import SpanKind

from agentflow.domain.batches import BatchStage, StageFn
from agentflow.observability import tracing

TRACE_COLUMN = "_traceparent"
Columns = dict[str, Any]  # column name -> values (a list, or a numpy array on Ray)

_BUILT: dict[BatchStage, StageFn] = {}
_LOCK = threading.Lock()


def build_stage(stage: BatchStage) -> StageFn:
    """Construct ``stage.factory`` with the stage's options."""
    return stage.factory(**stage.kwargs())


def cached_stage(stage: BatchStage) -> StageFn:
    """The process's one instance of ``stage`` (models load once per worker, not per batch)."""
    with _LOCK:
        if stage not in _BUILT:
            _BUILT[stage] = build_stage(stage)
        return _BUILT[stage]


def to_columns(rows: Sequence[dict[str, Any]]) -> Columns:
    names = list(rows[0]) if rows else []
    return {name: [row[name] for row in rows] for name in names}


def to_rows(columns: Columns) -> list[dict[str, Any]]:
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    return [{name: plain(columns[name][i]) for name in names} for i in range(count)]


def plain(value: Any) -> Any:
    """numpy scalars and arrays (what Ray's batches hold) back to Python values."""
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) else value


def with_trace(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` carrying the caller's W3C trace context in a column (the task's argument;
    empty outside a span, so every wave of rows has the same columns)."""
    parent = tracing.traceparent() or ""
    return [{**row, TRACE_COLUMN: parent} for row in rows]


def run_traced(stage: BatchStage, fn: StageFn, columns: Columns) -> Columns:
    """``fn(columns)`` in a span continuing the trace the rows carry (worker side)."""
    parents = columns.pop(TRACE_COLUMN, None)
    parent = str(parents[0]) or None if parents is not None and len(parents) else None
    _worker_tracing()
    with tracing.span(f"batch {stage.name}", parent=parent, kind=SpanKind.CONSUMER,
                      stage=stage.name, rows=len(next(iter(columns.values()), []))):
        return fn(columns)


def _worker_tracing() -> None:
    """Workers export their spans when the driver's environment names a collector."""
    endpoint = os.environ.get("AGENTFLOW_TELEMETRY__OTLP_ENDPOINT")
    if endpoint:
        tracing.configure_tracing("agentflow-worker", otlp_endpoint=endpoint)


def apply_stage(job: tuple[BatchStage, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One batch through the process's instance of the stage (a process-pool job)."""
    stage, rows = job
    output = to_rows(run_traced(stage, cached_stage(stage), to_columns(rows)))
    if len(output) != len(rows):
        raise ValueError(f"stage {stage.name} returned {len(output)} rows for {len(rows)}")
    return output
