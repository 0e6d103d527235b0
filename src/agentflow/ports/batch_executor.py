"""Where CPU-heavy batch work runs (a local process pool here, Ray when distributed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class BatchExecutor(Protocol):
    """Runs picklable functions away from the event loop, isolated from the server process."""

    async def run(self, fn: Callable[[T], R], item: T, *, timeout_s: float | None = None) -> R:
        """Run ``fn(item)``; a crash of the worker or a time-out raises ``WorkerLost`` /
        ``TimeoutError`` instead of taking the caller down."""
        ...

    async def close(self) -> None: ...
