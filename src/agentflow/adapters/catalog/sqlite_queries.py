"""The query half of the SQLite catalog: query records and the conversations they form."""

from __future__ import annotations

from agentflow.adapters.catalog.sqlite_store import SqliteStore
from agentflow.domain.queries import QueryRecord

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
