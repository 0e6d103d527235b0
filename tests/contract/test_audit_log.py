"""AuditLog contract: SQLite and Redis Streams append, page newest first, and keep entries as
written (SQLite refuses UPDATE and DELETE even from raw SQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentflow.domain.identity import AuditEntry
from agentflow.ports.audit_log import AuditLog
from tests.conftest import redis_scope


@pytest.fixture(params=["sqlite", "redis"])
async def audit(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AuditLog]:
    if request.param == "sqlite":
        from agentflow.adapters.audit.sqlite_audit import SqliteAuditLog

        log = SqliteAuditLog(tmp_path / "audit.sqlite3")
        yield log
        await log.close()
        return
    from agentflow.adapters.audit.redis_audit import RedisAuditLog

    async with redis_scope() as (client, prefix):
        yield RedisAuditLog(client, prefix=prefix)


def entry(tenant: str, n: int) -> AuditEntry:
    return AuditEntry(at=datetime.now(UTC), tenant_id=tenant, actor="key_1", action="agent.x",
                      outcome="ok", trace_id=f"t{n}", detail={"n": n, "model": None})


async def test_entries_page_newest_first_per_tenant(audit: AuditLog) -> None:
    stored = [await audit.append(entry("acme", n)) for n in range(7)]
    await audit.append(entry("beta", 99))
    assert len({e.id for e in stored}) == 7 and all(e.id for e in stored)
    first = await audit.page("acme", limit=3)
    assert [e.detail["n"] for e in first] == [6, 5, 4]
    rest = await audit.page("acme", limit=10, before=first[-1].id)
    assert [e.detail["n"] for e in rest] == [3, 2, 1, 0]
    assert rest[0] == stored[3]  # as written, id included
    assert [e.detail["n"] for e in await audit.page("beta")] == [99]
    assert await audit.page("gamma") == []


async def test_sqlite_refuses_to_rewrite_history(tmp_path: Path) -> None:
    from agentflow.adapters.audit.sqlite_audit import SqliteAuditLog

    log = SqliteAuditLog(tmp_path / "audit.sqlite3")
    await log.append(entry("acme", 1))
    await log.close()
    db = sqlite3.connect(tmp_path / "audit.sqlite3")
    for statement in ("UPDATE audit SET body = '{}'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)
    db.close()
