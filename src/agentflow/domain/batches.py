"""Batch stages: a callable class mapped over batches of rows, on a worker pool of its own."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Columns in, columns out: ``{"column": [values...]}``.
StageFn = Callable[[dict[str, Any]], dict[str, Any]]


class PoolKind(StrEnum):
    """Which pool a stage runs on; the pools are sized and scaled independently."""

    CPU = "cpu"  # extraction: one core per worker, small batches
    GPU = "gpu"  # embedding: ``num_gpus`` per worker, large batches


class BatchStage(BaseModel):
    """What to map over rows: ``factory`` (a class defined at a module's top level, so it
    crosses to every worker by reference) is constructed once per worker with ``options`` and
    then called with column batches (``{"column": [values...]}``), returning columns of the
    same length."""

    model_config = ConfigDict(frozen=True)

    name: str
    factory: Callable[..., StageFn]
    options: tuple[tuple[str, str | int | float | bool], ...] = ()
    pool: PoolKind = PoolKind.CPU
    batch_size: int = Field(default=1, gt=0)

    def kwargs(self) -> dict[str, str | int | float | bool]:
        """``options`` as the keyword arguments ``factory`` is constructed with."""
        return dict(self.options)
