"""The adapters every record-store contract runs against: SQLite and the real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol, TypeVar, cast

import pytest

from agentflow.adapters.catalog.sqlite import SqliteCatalog
from agentflow.ports.catalog import Catalog
from agentflow.runtime.records import Identities
from tests.conftest import redis_scope


class _Closing(Protocol):
    async def close(self) -> None: ...


StoreT = TypeVar("StoreT")


@asynccontextmanager
async def _sqlite_or_redis(kind: str, redis: Callable[..., StoreT],
                           sqlite: Callable[[], StoreT]) -> AsyncIterator[StoreT]:
    """The adapter of ``kind``: on the real Redis under a prefix of its own (deleted after),
    or on a SQLite file (closed after)."""
    if kind == "redis":
        async with redis_scope() as (client, prefix):
            yield redis(client, prefix=prefix)
        return
    adapter = sqlite()
    try:
        yield adapter
    finally:
        await cast(_Closing, adapter).close()


@pytest.fixture(params=["sqlite", "redis"])
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Catalog]:
    """One catalog adapter; it serves every small record port (documents, pages, ...)."""
    from agentflow.adapters.catalog.redis_catalog import RedisCatalog

    def sqlite() -> Catalog:
        return SqliteCatalog(tmp_path / "catalog.sqlite3")

    async with _sqlite_or_redis(request.param, RedisCatalog, sqlite) as adapter:
        yield adapter


@pytest.fixture(params=["sqlite", "redis"])
async def identities(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Identities]:
    """One identity adapter; it serves tenants and keys, and tenants' embedding models."""
    from agentflow.adapters.identity.redis_identity import RedisIdentityStore
    from agentflow.adapters.identity.sqlite_identity import SqliteIdentityStore

    def sqlite() -> Identities:
        return SqliteIdentityStore(tmp_path / "identity.sqlite3")

    async with _sqlite_or_redis(request.param, RedisIdentityStore, sqlite) as adapter:
        yield adapter
