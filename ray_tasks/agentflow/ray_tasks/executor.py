"""``BatchExecutor`` on Ray: the only module that imports ``ray``.

Each function runs as a Ray task (its module shipped by reference: workers import the same
``agentflow`` code, installed in the image or sent with ``runtime_env``). A worker that dies
mid-task has its task retried by Ray (``max_retries``) on another worker; when every try is
lost the caller gets ``WorkerLost``. A task over its time limit is cancelled (its worker killed)
and the caller gets ``TimeoutError``. The function's own exceptions arrive as themselves.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import ray
import structlog
from ray import exceptions as ray_errors

from agentflow.domain.errors import WorkerLost

T = TypeVar("T")
R = TypeVar("R")
log = structlog.get_logger(__name__)
_INIT = threading.Lock()


PRELOAD = ("agentflow.adapters.extract.pymupdf_extractor", "agentflow.ingestion.jobs")


def preload() -> None:
    """Run by every Ray worker when it starts: the first task does not pay for these imports."""
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)


class RayBatchExecutor:
    def __init__(self, address: str | None = None, *, max_retries: int = 2,
                 num_cpus: float = 1, runtime_env: dict[str, Any] | None = None,
                 object_store_memory: int = 200 * 1024 * 1024) -> None:
        self._address = address
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

    async def close(self) -> None:
        """Leaves the Ray session to its owner (one per process); forgets the remote wrappers."""
        self._remotes.clear()
