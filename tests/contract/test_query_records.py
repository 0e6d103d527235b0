"""Query records and conversations: the contract, run against both catalog adapters (SQLite, Redis)."""

from __future__ import annotations

from agentflow.ports.query_records import QueryRecords
from tests.contract.records import query


async def test_queries_and_conversations_are_scoped_and_ordered(catalog: QueryRecords) -> None:
    await catalog.save_query(query("a", 2, "c1", "completed"))
    await catalog.save_query(query("a", 1, "c1", "completed"))
    await catalog.save_query(query("a", 3, "c2"))
    await catalog.save_query(query("b", 4, "c1"))
    assert [q.id for q in await catalog.conversation("a", "c1")] == ["q1", "q2"]
    assert await catalog.get_query("b", "q1") is None
    assert (await catalog.get_query("a", "q3")) == query("a", 3, "c2")
    assert {q.id for q in await catalog.unfinished_queries()} == {"q3", "q4"}
    done = query("a", 3, "c2", "completed")
    await catalog.save_query(done)
    assert {q.id for q in await catalog.unfinished_queries()} == {"q4"}
    assert await catalog.conversation("a", "nope") == []
