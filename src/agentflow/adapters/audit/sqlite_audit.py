"""``AuditLog`` in SQLite (``{data_dir}/audit.sqlite3``): triggers abort any UPDATE or DELETE,
so not even a bug in this process can rewrite the record."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agentflow.adapters.catalog.sqlite_store import SqliteStore
from agentflow.domain.identity import AuditEntry

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant_id, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
MIGRATIONS = (SCHEMA,)  # oldest first: append, never edit (see ``sqlite_schema``)


class SqliteAuditLog(SqliteStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path, MIGRATIONS)

    async def append(self, entry: AuditEntry) -> AuditEntry:
        def insert(db: sqlite3.Connection) -> int:
            cursor = db.execute("INSERT INTO audit (tenant_id, body) VALUES (?, ?)",
                                (entry.tenant_id, entry.model_dump_json()))
            try:
                return int(cursor.lastrowid or 0)
            finally:
                cursor.close()

        seq = await self._run(insert)
        return entry.model_copy(update={"id": str(seq)})

    async def page(self, tenant_id: str, *, limit: int = 50,
                   before: str | None = None) -> list[AuditEntry]:
        bound = int(before) if before and before.isdigit() else 2**62
        rows = await self._fetch(
            "SELECT seq, body FROM audit WHERE tenant_id = ? AND seq < ? "
            "ORDER BY seq DESC LIMIT ?", (tenant_id, bound, limit))
        return [AuditEntry.model_validate_json(body).model_copy(update={"id": str(seq)})
                for seq, body in rows]
