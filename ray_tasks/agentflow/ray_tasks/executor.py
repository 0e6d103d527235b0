"""``BatchExecutor`` on Ray: the only module that imports ``ray``.

``map_batches`` runs a ``BatchStage`` as a Ray Data pipeline (``map_batches`` with
``ActorPoolStrategy``) on the stage's pool: the CPU pool for extraction, the GPU pool for
embedding, each sized from ``RaySettings`` and scaled by Ray between its min and max actors.
Calls for one stage that arrive within ``coalesce_ms`` share one dataset, so 100 documents
ingested at once start the actors (and load the model) once per wave, not once per call.
Backpressure comes from the streaming executor: at most ``max_tasks_in_flight_per_actor``
batches queue on an actor and input stops being read above the object-store limit. An actor that
dies mid-batch is restarted and its batch redone (``max_restarts`` times, then ``WorkerLost``).

``run`` runs one function as a Ray task (its module shipped by reference: workers import the same
``agentflow`` code, installed in the image or sent with ``runtime_env``). A worker that dies
mid-task has its task retried by Ray (``max_retries``) on another worker; when every try is
lost the caller gets ``WorkerLost``. A task over its time limit is cancelled (its worker killed)
and the caller gets ``TimeoutError``. The function's own exceptions arrive as themselves.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import ray
import structlog
from ray import exceptions as ray_errors
from ray.data import ActorPoolStrategy, DataContext, ExecutionResources
from ray.util.annotations import RayDeprecationWarning

from agentflow.domain.batches import BatchStage, PoolKind
from agentflow.domain.errors import WorkerLost
from agentflow.ingestion.stages import apply_stage, build_stage, run_traced, to_rows, with_trace
from agentflow.settings import RayPoolSettings, RaySettings

T = TypeVar("T")
R = TypeVar("R")
Row = dict[str, Any]
TAGS = ("_call", "_row")  # which call and which of its rows an output row answers
log = structlog.get_logger(__name__)
# Ray 2.60's actor restart limits have no named parameter yet, only the deprecated
# ``ray_remote_args`` (the test configuration ignores the same message).
warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated",
                        category=RayDeprecationWarning)
with warnings.catch_warnings():  # DataContext() sets its own deprecated fields when first built
    warnings.simplefilter("ignore", DeprecationWarning)
    DataContext.get_current()
_INIT = threading.Lock()


PRELOAD = ("agentflow.adapters.extract.pymupdf_extractor", "agentflow.ingestion.jobs",
           "agentflow.ray_tasks.extract")


def preload() -> None:
    """Run by every Ray worker when it starts: the first task does not pay for these imports."""
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)


class StageActor:
    """One actor of a stage's pool: builds the stage once, then maps batches through it.

    Every output row leaves as one pickled cell (``_out``: the row's columns, or the exception
    its call raised), so batches that failed and batches that did not share one schema and a
    stage's own exception reaches its caller as itself. When a batch mixing several calls fails,
    each call is retried alone so that only the guilty call's rows carry the error.
    """

    def __init__(self, stage: BatchStage) -> None:
        self._stage = stage
        self._fn = build_stage(stage)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        try:
            cells = [pickle.dumps(row) for row in self._rows(batch, None)]
        except Exception as error:  # carried to the callers as values
            cells = self._isolated(batch, error)
        if len(cells) != len(batch["_call"]):
            cells = self._isolated(batch, RuntimeError(
                f"the stage returned {len(cells)} rows for {len(batch['_call'])}"))
        return {"_out": np.array(cells, dtype=object), "_call": batch["_call"],
                "_row": batch["_row"]}

    def _isolated(self, batch: dict[str, np.ndarray], error: Exception) -> list[bytes]:
        calls = batch["_call"]
        distinct = list(dict.fromkeys(calls.tolist()))
        if len(distinct) == 1:
            return [_pickled_error(error)] * len(calls)
        cells = [b""] * len(calls)
        for call in distinct:
            mask = calls == call
            for index, cell in zip(np.flatnonzero(mask), self._cells(batch, mask), strict=True):
                cells[index] = cell
        return cells

    def _rows(self, batch: dict[str, np.ndarray], mask: np.ndarray | None) -> list[Row]:
        columns = {name: values if mask is None else values[mask]
                   for name, values in batch.items() if name not in TAGS}
        return to_rows(run_traced(self._stage, self._fn, columns))

    def _cells(self, batch: dict[str, np.ndarray], mask: np.ndarray) -> list[bytes]:
        count = int(mask.sum())
        try:
            cells = [pickle.dumps(row) for row in self._rows(batch, mask)]
        except Exception as error:  # carried to the caller as a value
            return [_pickled_error(error)] * count
        return cells if len(cells) == count else [_pickled_error(RuntimeError(
            f"the stage returned {len(cells)} rows for {count}"))] * count


def _pickled_error(error: Exception) -> bytes:
    try:
        pickle.loads(carried := pickle.dumps(error))
        return carried
    except Exception:  # an exception that does not survive pickling
        return pickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))


class _Wave:
    """Calls for one stage waiting to be run together."""

    def __init__(self, opened: float) -> None:
        self.opened = opened
        self.last = opened
        self.calls: list[tuple[list[Row], asyncio.Future[list[Row]]]] = []


def _apply_in_worker(stage: BatchStage, rows: list[Row]) -> list[Row]:
    return apply_stage((stage, rows))


_STAGE_TASK = ray.remote(_apply_in_worker)


def _settle(future: asyncio.Future[list[Row]], answer: list[Row] | BaseException) -> None:
    if future.done():  # its caller timed out and left
        return
    if isinstance(answer, BaseException):
        future.set_exception(answer)
    else:
        future.set_result(answer)


class RayBatchExecutor:
    def __init__(self, address: str | None = None, *, settings: RaySettings | None = None,
                 max_retries: int = 2, num_cpus: float = 1,
                 runtime_env: dict[str, Any] | None = None,
                 object_store_memory: int = 200 * 1024 * 1024) -> None:
        self._address = address
        self._settings = settings or RaySettings()
        self._waves: dict[BatchStage, _Wave] = {}
        self._flushes: set[asyncio.Task[None]] = set()
        self._max_retries = max_retries
        self._num_cpus = num_cpus
        self._runtime_env = runtime_env
        self._object_store_memory = object_store_memory
        self._remotes: dict[Callable[..., Any], Any] = {}

    def _connect(self) -> None:
        with _INIT:
            if ray.is_initialized():
                return
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
            runtime_env = {"worker_process_setup_hook": f"{__name__}.preload",
                           **(self._runtime_env or {})}
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "ignore_reinit_error": True, "runtime_env": runtime_env}
            if self._address in (None, "local"):
                options["object_store_memory"] = self._object_store_memory
            else:
                options["address"] = self._address  # "auto" or ray://head:10001
            ray.init(**options)

    async def warm(self) -> None:
        await asyncio.to_thread(self._connect)

    def _remote(self, fn: Callable[[T], R]) -> Any:
        if fn not in self._remotes:
            self._remotes[fn] = ray.remote(num_cpus=self._num_cpus,
                                           max_retries=self._max_retries,
                                           retry_exceptions=False)(fn)
        return self._remotes[fn]

    async def run(self, fn: Callable[[T], R], item: T, *, timeout_s: float | None = None) -> R:
        if not ray.is_initialized():
            await self.warm()
        ref = self._remote(fn).remote(item)
        try:
            result: R = await asyncio.wait_for(asyncio.wrap_future(ref.future()), timeout_s)
            return result
        except TimeoutError:
            log.error("ray_task_timed_out", function=fn.__name__, timeout_s=timeout_s)
            ray.cancel(ref, force=True)
            raise
        except (ray_errors.WorkerCrashedError, ray_errors.NodeDiedError,
                ray_errors.TaskCancelledError) as error:
            log.error("ray_worker_lost", function=fn.__name__, error=str(error))
            raise WorkerLost(f"the Ray worker running {fn.__name__} died "
                             f"({self._max_retries + 1} tries)") from None
        except ray_errors.RayTaskError as error:
            raise error.as_instanceof_cause() from None  # type: ignore[no-untyped-call]

    def _pool(self, stage: BatchStage) -> RayPoolSettings:
        settings = self._settings
        return settings.gpu_pool if stage.pool is PoolKind.GPU else settings.cpu_pool

    async def map_batches(self, stage: BatchStage, rows: Sequence[Row], *,
                          timeout_s: float | None = None) -> list[Row]:
        if not rows:
            return []
        if not ray.is_initialized():
            await self.warm()
        loop = asyncio.get_running_loop()
        wave = self._waves.get(stage)
        if wave is None:
            wave = self._waves[stage] = _Wave(loop.time())
            loop.call_later(self._settings.coalesce_ms / 1000, self._close_wave, stage, wave)
        wave.last = loop.time()
        future: asyncio.Future[list[Row]] = loop.create_future()
        wave.calls.append((with_trace(rows), future))
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            log.error("ray_stage_timed_out", stage=stage.name, timeout_s=timeout_s)
            raise

    def _close_wave(self, stage: BatchStage, wave: _Wave) -> None:
        """Run the wave once calls stopped arriving (or it waited long enough)."""
        loop = asyncio.get_running_loop()
        quiet_until = wave.last + self._settings.coalesce_ms / 1000
        deadline = wave.opened + self._settings.max_wait_ms / 1000
        if loop.time() < min(quiet_until, deadline):
            loop.call_at(min(quiet_until, deadline), self._close_wave, stage, wave)
            return
        task = loop.create_task(self._flush(stage))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(self, stage: BatchStage) -> None:
        calls = self._waves.pop(stage).calls
        try:
            answers = await self._answers(stage, [rows for rows, _ in calls])
        except BaseException as error:
            if len(calls) == 1:
                _settle(calls[0][1], self._failure(stage, error))
                return
            # One bad input must not fail the documents that shared its wave: run each call
            # alone, so only the guilty one fails.
            log.warning("ray_wave_failed_isolating", stage=stage.name, calls=len(calls),
                        error=str(error)[:200])
            await asyncio.gather(*(self._alone(stage, rows, future) for rows, future in calls))
            return
        for (_, future), answer in zip(calls, answers, strict=True):
            _settle(future, answer)

    async def _alone(self, stage: BatchStage, rows: list[Row],
                     future: asyncio.Future[list[Row]]) -> None:
        try:
            (answer,) = await self._answers(stage, [rows])
        except BaseException as error:
            answer = self._failure(stage, error)
        _settle(future, answer)

    async def _answers(self, stage: BatchStage,
                       calls: list[list[Row]]) -> list[list[Row] | BaseException]:
        """Every call's output rows (or the exception its stage raised), from one dataset, or
        from plain tasks when the wave is too small to pay for a dataset's actors."""
        if sum(len(rows) for rows in calls) <= self._settings.task_wave_rows:
            return list(await asyncio.gather(*(self._as_tasks(stage, rows) for rows in calls)))
        tagged = [{**row, "_call": call, "_row": index}
                  for call, rows in enumerate(calls) for index, row in enumerate(rows)]
        output = await asyncio.to_thread(self._execute, stage, tagged)
        answers: list[list[Row]] = [[] for _ in calls]
        errors: dict[int, BaseException] = {}
        for row in sorted(output, key=lambda row: (row["_call"], row["_row"])):
            value = pickle.loads(row["_out"])
            if isinstance(value, BaseException):
                errors.setdefault(row["_call"], value)
            else:
                answers[row["_call"]].append(value)
        for call, (rows, answer) in enumerate(zip(calls, answers, strict=True)):
            if call not in errors and len(answer) != len(rows):
                errors[call] = RuntimeError(f"stage {stage.name} returned {len(answer)} rows "
                                            f"for {len(rows)}")
        return [errors.get(call, answer) for call, answer in enumerate(answers)]

    async def _as_tasks(self, stage: BatchStage, rows: list[Row]) -> list[Row] | BaseException:
        """One call's batches as Ray tasks with the pool's resources; workers keep the stage
        built between tasks. A lost worker's task is retried; a stage error is the answer."""
        pool = self._pool(stage)
        size = pool.batch_size or stage.batch_size
        task = _STAGE_TASK.options(num_cpus=pool.num_cpus, num_gpus=pool.num_gpus,
                                   max_retries=pool.max_restarts, retry_exceptions=False)
        refs = [task.remote(stage, rows[i:i + size]) for i in range(0, len(rows), size)]
        try:
            outputs = await asyncio.gather(*(asyncio.wrap_future(ref.future()) for ref in refs))
        except ray_errors.RayTaskError as error:
            return error.as_instanceof_cause()  # type: ignore[no-any-return,no-untyped-call]
        return [row for output in outputs for row in output]

    def _execute(self, stage: BatchStage, rows: list[Row]) -> list[Row]:
        """One streaming dataset over the wave's rows, on the stage's actor pool (blocking)."""
        pool = self._pool(stage)
        batch_size = pool.batch_size or stage.batch_size
        context = DataContext.get_current()
        context.enable_progress_bars = False
        context.execution_options.resource_limits = ExecutionResources(
            object_store_memory=self._settings.object_store_limit_mb * 2**20)
        blocks = max(1, min(len(rows) // batch_size, 4 * pool.max_actors))
        # Ray Data defaults to restarting actors forever, so one PDF that kills its worker every
        # time would never fail: the limits go in ``ray_remote_args`` (a warning silenced above).
        dataset = ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
            StageActor, fn_constructor_kwargs={"stage": stage}, batch_size=batch_size,
            batch_format="numpy",
            compute=ActorPoolStrategy(
                min_size=min(pool.min_actors, pool.max_actors), max_size=pool.max_actors,
                max_tasks_in_flight_per_actor=pool.max_tasks_in_flight_per_actor),
            num_cpus=pool.num_cpus, num_gpus=pool.num_gpus,
            max_restarts=pool.max_restarts, max_task_retries=pool.max_restarts)
        return [{"_out": row["_out"], "_call": int(row["_call"]), "_row": int(row["_row"])}
                for row in dataset.take_all()]

    def _failure(self, stage: BatchStage, error: BaseException) -> BaseException:
        """Stage errors arrive as values (see ``StageActor``); what fails a whole dataset is
        Ray losing its actors, reported as ``WorkerLost``."""
        if isinstance(error, ray_errors.RayError):
            log.error("ray_stage_worker_lost", stage=stage.name, error=str(error))
            return WorkerLost(f"the Ray actors running {stage.name} kept dying "
                              f"({self._pool(stage).max_restarts} restarts)")
        return error

    async def close(self) -> None:
        """Leaves the Ray session to its owner (one per process); forgets the remote wrappers."""
        for task in list(self._flushes):
            task.cancel()
        self._remotes.clear()
