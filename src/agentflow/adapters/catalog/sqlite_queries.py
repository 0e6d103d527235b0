"""The query half of the SQLite catalog: query records and the conversations they form."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from agentflow.adapters.catalog.sqlite_store import SqliteStore
from agentflow.domain.queries import AgentUsage, QueryRecord, UsageTotal

QUERY_SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS queries_by_conversation
    ON queries (tenant_id, conversation_id, created_at);
CREATE INDEX IF NOT EXISTS queries_by_status ON queries (status);
CREATE TABLE IF NOT EXISTS usage (
    tenant_id TEXT NOT NULL,
    query_id TEXT NOT NULL,
    agent TEXT NOT NULL,
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, query_id, agent)
);
CREATE INDEX IF NOT EXISTS usage_by_time ON usage (at, tenant_id);
"""


class SqliteQueries(SqliteStore):
    """Queries are kept whole as JSON next to the columns they are looked up by."""

    async def save_query(self, query: QueryRecord) -> None:
        await self._write(
            "INSERT OR REPLACE INTO queries VALUES (?, ?, ?, ?, ?, ?)",
            (query.tenant_id, query.id, query.conversation_id, query.status,
             query.created_at.isoformat(), query.model_dump_json()))

    async def get_query(self, tenant_id: str, query_id: str) -> QueryRecord | None:
        row = await self._run(lambda db: db.execute(
            "SELECT body FROM queries WHERE tenant_id = ? AND id = ?", (tenant_id, query_id)
        ).fetchone())
        return None if row is None else QueryRecord.model_validate_json(row[0])

    async def conversation(self, tenant_id: str, conversation_id: str) -> list[QueryRecord]:
        rows = await self._run(lambda db: db.execute(
            "SELECT body FROM queries WHERE tenant_id = ? AND conversation_id = ? "
            "ORDER BY created_at, id", (tenant_id, conversation_id),
        ).fetchall())
        return [QueryRecord.model_validate_json(row[0]) for row in rows]

    async def unfinished_queries(self) -> list[QueryRecord]:
        rows = await self._run(lambda db: db.execute(
            "SELECT body FROM queries WHERE status = 'running' ORDER BY created_at"
        ).fetchall())
        return [QueryRecord.model_validate_json(row[0]) for row in rows]

    async def record_usage(self, tenant_id: str, query_id: str, usage: Mapping[str, AgentUsage],
                           *, at: datetime) -> None:
        stamp = at.astimezone(UTC).isoformat()
        await self._write(
            "INSERT OR REPLACE INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(tenant_id, query_id, agent, used.model, used.input_tokens, used.output_tokens,
              used.cost_usd, stamp) for agent, used in usage.items()], many=True)

    async def usage_totals(self, tenant_id: str | None = None, *, since: datetime | None = None,
                           until: datetime | None = None) -> list[UsageTotal]:
        clauses, params = [], []
        for clause, value in (("tenant_id = ?", tenant_id),
                              ("at >= ?", since and since.astimezone(UTC).isoformat()),
                              ("at < ?", until and until.astimezone(UTC).isoformat())):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._run(lambda db: db.execute(
            "SELECT tenant_id, agent, model, COUNT(DISTINCT query_id), SUM(input_tokens), "
            f"SUM(output_tokens), SUM(cost_usd) FROM usage {where} "
            "GROUP BY tenant_id, agent, model ORDER BY tenant_id, agent, model", params,
        ).fetchall())
        return [UsageTotal(tenant_id=r[0], agent=r[1], model=r[2], queries=r[3],
                           input_tokens=r[4], output_tokens=r[5], cost_usd=round(r[6], 8))
                for r in rows]
