"""PassageSets contract: in process and on the real Redis; sets are per tenant and query, keep
their order and every field, are replaced, dropped, and expire."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from agentflow.adapters.passages.memory_passages import MemoryPassageSets
from agentflow.domain.documents import PageSpan
from agentflow.domain.queries import Passage
from agentflow.ports.passage_sets import PassageSets
from tests.conftest import redis_scope

Build = Callable[[float], PassageSets]


@pytest.fixture(params=["memory", "redis"])
async def build(request: pytest.FixtureRequest) -> AsyncIterator[Build]:
    """Makes an adapter whose sets live ``ttl_s`` seconds."""
    if request.param == "memory":
        yield lambda ttl_s: MemoryPassageSets(ttl_s=ttl_s)
        return
    from agentflow.adapters.passages.redis_passages import RedisPassageSets

    async with redis_scope() as (client, prefix):
        yield lambda ttl_s: RedisPassageSets(client, prefix=prefix, ttl_s=ttl_s)


def passage(n: int) -> Passage:
    return Passage(chunk_id=f"c{n}", document_id="d", document_name="report.pdf",
                   page_start=n, page_end=n + 1, text=f"text of passage {n}\nand its next page",
                   score=1 / n, spans=[PageSpan(page=n, start=0, end=17)],
                   section="Balance Sheet")


async def test_a_set_comes_back_whole_and_in_order_for_its_own_query(build: Build) -> None:
    sets = build(60)
    stored = [passage(3), passage(1), passage(2)]
    await sets.put("acme", "q1", stored)
    assert await sets.get("acme", "q1") == stored
    assert await sets.get("beta", "q1") is None  # another tenant's query of the same id
    assert await sets.get("acme", "q2") is None


async def test_a_set_is_replaced_then_dropped(build: Build) -> None:
    sets = build(60)
    await sets.put("acme", "q1", [passage(1)])
    await sets.put("acme", "q1", [passage(2), passage(3)])
    assert [p.chunk_id for p in await sets.get("acme", "q1") or []] == ["c2", "c3"]
    await sets.drop("acme", "q1")
    await sets.drop("acme", "q1")  # dropping twice is fine
    assert await sets.get("acme", "q1") is None
    await sets.put("acme", "empty", [])
    assert await sets.get("acme", "empty") == []  # an empty set is not a missing one


async def test_a_set_expires(build: Build) -> None:
    sets = build(0.2)
    await sets.put("acme", "q1", [passage(1)])
    assert await sets.get("acme", "q1") is not None
    await asyncio.sleep(0.4)
    assert await sets.get("acme", "q1") is None


async def test_memory_keeps_at_most_its_bound_oldest_out_first() -> None:
    sets = MemoryPassageSets(max_sets=2)
    for query in ("q1", "q2", "q3"):
        await sets.put("acme", query, [passage(1)])
    assert await sets.get("acme", "q1") is None
    assert await sets.get("acme", "q3") is not None
