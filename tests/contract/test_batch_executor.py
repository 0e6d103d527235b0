"""BatchExecutor contract (local process pool): results, time-outs and crashes are contained."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agentflow.adapters.batch.process_pool import ProcessPoolBatchExecutor
from agentflow.domain.batches import BatchStage, PoolKind
from agentflow.domain.errors import WorkerLost
from agentflow.ports.batch_executor import BatchExecutor
from agentflow.settings import RayPoolSettings, RaySettings
from tests.fakes import stages


def square(x: int) -> int:
    return x * x


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def crash(_: int) -> int:
    os._exit(3)


def worker_pid(_: int) -> int:
    return os.getpid()


@pytest.fixture(params=["process-pool", "ray-tasks", "ray-datasets"])
async def executor(request: pytest.FixtureRequest) -> AsyncIterator[BatchExecutor]:
    if request.param.startswith("ray"):
        request.getfixturevalue("ray_session")
        from agentflow.ray_tasks.executor import RayBatchExecutor

        pool = RayPoolSettings(max_actors=1, max_restarts=1)
        # Small waves run as tasks, large ones as Ray Data datasets: each mode gets every test.
        rows = 10_000 if request.param == "ray-tasks" else 0
        yield RayBatchExecutor(max_retries=1, settings=RaySettings(
            cpu_pool=pool, gpu_pool=pool, coalesce_ms=50, task_wave_rows=rows))
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


def stage(factory: str = "Doubler", *, batch_size: int = 3, **options: str | int) -> BatchStage:
    return BatchStage(name=factory.lower(), factory=getattr(stages, factory),
                      batch_size=batch_size, options=tuple(options.items()), pool=PoolKind.CPU)


async def test_map_batches_answers_every_row_in_order(executor: BatchExecutor) -> None:
    rows = await executor.map_batches(stage(), [{"n": n} for n in range(10)])
    assert [row["double"] for row in rows] == [2 * n for n in range(10)]
    assert all(row["pid"] != os.getpid() for row in rows)
    assert await executor.map_batches(stage(), []) == []


async def test_concurrent_calls_each_get_their_own_rows(executor: BatchExecutor) -> None:
    calls = [[{"n": 100 * call + n} for n in range(call + 1)] for call in range(4)]
    answers = await asyncio.gather(*(executor.map_batches(stage(batch_size=2), rows)
                                     for rows in calls))
    for rows, answer in zip(calls, answers, strict=True):
        assert [row["double"] for row in answer] == [2 * row["n"] for row in rows]


async def test_a_stage_error_reaches_the_caller_as_itself(executor: BatchExecutor) -> None:
    with pytest.raises(ValueError, match="cannot double 4"):
        await executor.map_batches(stage(fail_on=4), [{"n": n} for n in range(6)])
    rows = await executor.map_batches(stage(fail_on=4), [{"n": 1}])
    assert rows[0]["double"] == 2


async def test_a_stage_that_kills_every_worker_fails_as_worker_lost(
        executor: BatchExecutor) -> None:
    with pytest.raises(WorkerLost):
        await executor.map_batches(stage("AlwaysCrash"), [{"n": 1}], timeout_s=120)
    assert (await executor.map_batches(stage(), [{"n": 2}]))[0]["double"] == 4


@pytest.mark.parametrize("task_wave_rows", [10_000, 0])
async def test_ray_redoes_the_batch_of_an_actor_killed_mid_batch(
        ray_session: None, tmp_path: Path, task_wave_rows: int) -> None:
    from agentflow.ray_tasks.executor import RayBatchExecutor

    executor = RayBatchExecutor(settings=RaySettings(cpu_pool=RayPoolSettings(max_actors=1),
                                                     task_wave_rows=task_wave_rows))
    marker = tmp_path / "marker"
    rows = await executor.map_batches(stage("CrashOnce", marker=str(marker)),
                                      [{"n": n} for n in range(7)], timeout_s=120)
    assert marker.read_text() == "crashed"
    assert [row["double"] for row in rows] == [2 * n for n in range(7)]
