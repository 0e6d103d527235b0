"""The adapters every record-store contract runs against: SQLite and the real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agentflow.adapters.catalog.sqlite import SqliteCatalog
from agentflow.ports.catalog import Catalog
from agentflow.runtime.records import Identities
from tests.conftest import redis_scope


@pytest.fixture(params=["sqlite", "redis"])
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Catalog]:
    """One catalog adapter; it serves every small record port (documents, pages, ...)."""
    if request.param == "redis":
        from agentflow.adapters.catalog.redis_catalog import RedisCatalog

        async with redis_scope() as (client, prefix):
            yield RedisCatalog(client, prefix=prefix)
        return
    adapter = SqliteCatalog(tmp_path / "catalog.sqlite3")
    yield adapter
    await adapter.close()


@pytest.fixture(params=["sqlite", "redis"])
async def identities(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Identities]:
    """One identity adapter; it serves tenants and keys, and tenants' embedding models."""
    if request.param == "redis":
        from agentflow.adapters.identity.redis_identity import RedisIdentityStore

        async with redis_scope() as (client, prefix):
            yield RedisIdentityStore(client, prefix=prefix)
        return
    from agentflow.adapters.identity.sqlite_identity import SqliteIdentityStore

    sqlite = SqliteIdentityStore(tmp_path / "identity.sqlite3")
    yield sqlite
    await sqlite.close()
