"""Batch stages: a callable class mapped over batches of rows, on a worker pool of its own."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class PoolKind(StrEnum):
    """Which pool a stage runs on; the pools are sized and scaled independently."""

    CPU = "cpu"  # extraction: one core per worker, small batches
    GPU = "gpu"  # embedding: ``num_gpus`` per worker, large batches


class BatchStage(BaseModel):
    """What to map over rows: ``factory`` (``module:Class``, importable on every worker) is
    constructed once per worker with ``options`` and then called with column batches
    (``{"column": [values...]}``), returning columns of the same length."""

    model_config = ConfigDict(frozen=True)

    name: str
    factory: str = Field(pattern=r"^[\w.]+:\w+$")
    options: tuple[tuple[str, str | int | float | bool], ...] = ()
    pool: PoolKind = PoolKind.CPU
    batch_size: int = Field(default=1, gt=0)

    def kwargs(self) -> dict[str, str | int | float | bool]:
        """``options`` as the keyword arguments ``factory`` is constructed with."""
        return dict(self.options)
