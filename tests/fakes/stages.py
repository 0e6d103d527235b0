"""Batch stages for the executor tests: importable by Ray's workers (``tests`` is on their path)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Columns = dict[str, Sequence[Any]]


class Doubler:
    """``n`` -> ``double``, plus the worker's pid (to see where it ran)."""

    def __init__(self, fail_on: int = -1) -> None:
        self._fail_on = fail_on

    def __call__(self, batch: Columns) -> Columns:
        numbers = [int(n) for n in batch["n"]]
        if self._fail_on in numbers:
            raise ValueError(f"cannot double {self._fail_on}")
        return {"double": [2 * n for n in numbers], "pid": [os.getpid()] * len(numbers)}


class CrashOnce(Doubler):
    """Kills its worker in the middle of its first batch (as a lost node would)."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self._marker = Path(marker)

    def __call__(self, batch: Columns) -> Columns:
        if not self._marker.exists():
            self._marker.write_text("crashed")
            os._exit(1)
        return super().__call__(batch)


class AlwaysCrash(Doubler):
    def __call__(self, batch: Columns) -> Columns:
        os._exit(1)


class CrashOnceEmbed:
    """The real embedding stage, but its worker dies in the middle of its first batch."""

    def __init__(self, marker: str, cache_dir: str) -> None:
        from agentflow.ray_tasks.embed import EmbedTexts

        self._marker = Path(marker)
        self._embed = EmbedTexts(cache_dir=cache_dir)

    def __call__(self, batch: Columns) -> Columns:
        if not self._marker.exists():
            self._marker.write_text("crashed")
            os._exit(1)
        return self._embed(batch)
