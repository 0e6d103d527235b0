"""BatchExecutor contract (local process pool): results, time-outs and crashes are contained."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import pytest

from agentflow.adapters.batch.process_pool import ProcessPoolBatchExecutor
from agentflow.domain.errors import WorkerLost
from agentflow.ports.batch_executor import BatchExecutor


def square(x: int) -> int:
    return x * x


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def crash(_: int) -> int:
    os._exit(3)


def worker_pid(_: int) -> int:
    return os.getpid()


@pytest.fixture(params=["process-pool", "ray"])
async def executor(request: pytest.FixtureRequest) -> AsyncIterator[BatchExecutor]:
    if request.param == "ray":
        request.getfixturevalue("ray_session")
        from agentflow.ray_tasks.executor import RayBatchExecutor

        yield RayBatchExecutor(max_retries=1)
        return
    pool = ProcessPoolBatchExecutor(workers=1)
    yield pool
    await pool.close()


async def test_runs_work_in_another_process(executor: BatchExecutor) -> None:
    assert await executor.run(square, 7) == 49
    assert await executor.run(worker_pid, 0) != os.getpid()


async def test_a_hung_task_times_out_and_the_pool_recovers(executor: BatchExecutor) -> None:
    with pytest.raises(TimeoutError):
        await executor.run(sleep_for, 30.0, timeout_s=0.5)
    assert await executor.run(square, 3, timeout_s=30) == 9


async def test_a_crashed_worker_is_reported_and_replaced(executor: BatchExecutor) -> None:
    with pytest.raises(WorkerLost):
        await executor.run(crash, 0)
    assert await executor.run(square, 4) == 16
