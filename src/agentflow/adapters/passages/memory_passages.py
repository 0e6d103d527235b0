"""``PassageSets`` in this process's memory: the embedded runner's workflows live here too."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence

from agentflow.domain.queries import Passage


class MemoryPassageSets:
    """Bounded: sets expire after ``ttl_s`` and the oldest go first beyond ``max_sets``."""

    def __init__(self, *, ttl_s: float = 3600.0, max_sets: int = 10_000) -> None:
        self._ttl_s = ttl_s
        self._max_sets = max_sets
        self._sets: OrderedDict[tuple[str, str], tuple[float, list[Passage]]] = OrderedDict()

    async def put(self, tenant_id: str, query_id: str, passages: Sequence[Passage]) -> None:
        key = (tenant_id, query_id)
        self._sets.pop(key, None)
        self._sets[key] = (time.monotonic() + self._ttl_s, list(passages))
        self._prune()

    async def get(self, tenant_id: str, query_id: str) -> list[Passage] | None:
        found = self._sets.get((tenant_id, query_id))
        if found is None or found[0] < time.monotonic():
            return None
        return list(found[1])

    async def drop(self, tenant_id: str, query_id: str) -> None:
        self._sets.pop((tenant_id, query_id), None)

    def _prune(self) -> None:
        now = time.monotonic()
        while self._sets:
            key, (expires, _) = next(iter(self._sets.items()))
            if expires >= now and len(self._sets) <= self._max_sets:
                break
            del self._sets[key]
