"""``BatchExecutor`` on a local process pool.

Work runs in child processes so that a PDF that hangs or crashes the parser cannot take the
server down: a crashed worker raises ``WorkerLost``; a task over its time limit has its pool
killed and replaced and raises ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

import structlog

from agentflow.domain.errors import AgentFlowError

T = TypeVar("T")
R = TypeVar("R")
log = structlog.get_logger(__name__)


class WorkerLost(AgentFlowError):
    code = "worker_lost"
    title = "Worker process lost"


class ProcessPoolBatchExecutor:
    """A small pool of ``forkserver`` workers, replaced whenever one dies or hangs."""

    def __init__(self, workers: int) -> None:
        self._workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._context = multiprocessing.get_context("forkserver")

    def _current(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._workers, mp_context=self._context)
        return self._pool

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, fn: Callable[[T], R], item: T, *, timeout_s: float | None = None) -> R:
        pool = self._current()
        try:
            future = asyncio.get_running_loop().run_in_executor(pool, fn, item)
        except BrokenProcessPool:
            self._replace(pool)
            pool = self._current()
            future = asyncio.get_running_loop().run_in_executor(pool, fn, item)
        try:
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            log.error("worker_timed_out", function=fn.__name__, timeout_s=timeout_s)
            self._replace(pool)
            raise
        except BrokenProcessPool:
            log.error("worker_lost", function=fn.__name__)
            self._replace(pool)
            raise WorkerLost(f"the worker running {fn.__name__} died") from None

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
