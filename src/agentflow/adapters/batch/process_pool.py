"""``BatchExecutor`` on a local process pool.

Work runs in child processes so that a PDF that hangs or crashes the parser cannot take the
server down: a crashed worker raises ``WorkerLost``; a task over its time limit has its pool
killed and replaced and raises ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import structlog

from agentflow.domain.batches import BatchStage
from agentflow.domain.errors import WorkerLost
from agentflow.ingestion.stages import apply_stage, with_trace

T = TypeVar("T")
R = TypeVar("R")
log = structlog.get_logger(__name__)


def _preload(modules: tuple[str, ...], memory_limit_bytes: int | None = None) -> None:
    if memory_limit_bytes:
        # A PDF that decompresses to gigabytes fails its page in the worker (MemoryError
        # inside the parser) instead of swapping the machine or waking the OOM killer.
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    for module in modules:
        importlib.import_module(module)


class ProcessPoolBatchExecutor:
    """A small pool of ``forkserver`` workers, replaced whenever one dies or hangs."""

    def __init__(self, workers: int, *, preload: tuple[str, ...] = (),
                 memory_limit_bytes: int | None = None) -> None:
        self._workers = max(1, workers)
        self._preload = preload  # modules every worker imports when it starts
        self._memory_limit = memory_limit_bytes  # address space per worker
        self._pool: ProcessPoolExecutor | None = None
        self._context = multiprocessing.get_context("forkserver")

    def _current(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._workers, mp_context=self._context,
                                             initializer=_preload,
                                             initargs=(self._preload, self._memory_limit))
        return self._pool

    async def warm(self) -> None:
        """Start every worker now (the pool otherwise forks them on demand, one by one)."""
        loop = asyncio.get_running_loop()
        pool = self._current()
        await asyncio.gather(*(loop.run_in_executor(pool, time.sleep, 0.2)
                               for _ in range(self._workers)))

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

    async def map_batches(self, stage: BatchStage, rows: Sequence[dict[str, Any]], *,
                          timeout_s: float | None = None) -> list[dict[str, Any]]:
        """Batches run on the pool's workers, each building the stage once; one pool for every
        stage here (a laptop has one kind of core)."""
        size = stage.batch_size
        rows = with_trace(rows)
        batches = [rows[i:i + size] for i in range(0, len(rows), size)]
        outputs = await asyncio.gather(*(self.run(apply_stage, (stage, batch), timeout_s=timeout_s)
                                         for batch in batches))
        return [row for output in outputs for row in output]

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
