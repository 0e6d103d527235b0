"""Tasks of the in-process workflow runner: each resolves to a value or raises."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from agentflow.ports.workflow_engine import Task


class RunnerTask:
    """A lazily started unit of work; starting it twice returns the same future."""

    def __init__(self, resolve: Callable[[], Awaitable[Any]]) -> None:
        self._resolve = resolve
        self._future: asyncio.Future[Any] | None = None

    def start(self) -> asyncio.Future[Any]:
        if self._future is None:
            self._future = asyncio.ensure_future(self._resolve())
        return self._future

    @property
    def is_complete(self) -> bool:
        return self._future is not None and self._future.done()

    def get_result(self) -> Any:
        if self._future is None or not self._future.done():
            raise RuntimeError("task is not complete")
        return self._future.result()

    async def wait(self) -> Any:
        return await self.start()

    def cancel(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.cancel()


def _runner_tasks(tasks: Sequence[Task]) -> list[RunnerTask]:
    found = []
    for task in tasks:
        if not isinstance(task, RunnerTask):
            raise TypeError("when_all/when_any take tasks made by the same context")
        found.append(task)
    return found


def when_all(tasks: Sequence[Task]) -> RunnerTask:
    """Results in order; the first failure is raised (the others still run to completion)."""
    members = _runner_tasks(tasks)

    async def resolve() -> list[Any]:
        futures = [task.start() for task in members]
        if not futures:
            return []
        await asyncio.wait(futures)
        for future in futures:
            exc = future.exception()
            if exc is not None:
                raise exc
        return [future.result() for future in futures]

    return RunnerTask(resolve)


def when_any(tasks: Sequence[Task]) -> RunnerTask:
    """Resolves to the first task that completes (not its result), as under Dapr."""
    members = _runner_tasks(tasks)
    if not members:
        raise ValueError("when_any needs at least one task")

    async def resolve() -> RunnerTask:
        futures = {task.start(): task for task in members}
        done, _ = await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
        first = next(future for future in futures if future in done)
        return futures[first]

    return RunnerTask(resolve)
