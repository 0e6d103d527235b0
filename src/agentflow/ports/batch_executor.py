"""Where CPU-heavy batch work runs (a local process pool here, Ray when distributed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from agentflow.domain.batches import BatchStage

T = TypeVar("T")
R = TypeVar("R")
Row = dict[str, Any]


class BatchExecutor(Protocol):
    """Runs work away from the event loop, isolated from the server process."""

    async def run(self, fn: Callable[[T], R], item: T, *, timeout_s: float | None = None) -> R:
        """Run picklable ``fn(item)``; a crash of the worker or a time-out raises
        ``WorkerLost`` / ``TimeoutError`` instead of taking the caller down."""
        ...

    async def map_batches(self, stage: BatchStage, rows: Sequence[Row], *,
                          timeout_s: float | None = None) -> list[Row]:
        """Map ``stage`` over ``rows`` in batches of ``stage.batch_size`` on the stage's pool;
        one output row per input row, in input order. A lost worker raises ``WorkerLost``
        unless the adapter can redo the batch itself (Ray restarts the actor and redoes it)."""
        ...

    async def close(self) -> None:
        """Stop the workers this executor owns, cancelling work not yet started (a Ray session stays
        with its owner)."""
        ...
