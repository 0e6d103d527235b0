"""The SQLite plumbing shared by the catalog's halves: one WAL connection on its own thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from agentflow.adapters.catalog.sqlite_schema import migrate

T = TypeVar("T")


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class SqliteStore:
    """One connection guarded by a lock; statements run on one worker thread. The file is
    brought to this release's schema on open (``migrations``: see ``sqlite_schema``)."""

    def __init__(self, path: Path, migrations: Sequence[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        try:
            migrate(self._db, migrations, path)
        except BaseException:
            self._db.close()
            raise
        self._lock = threading.Lock()
        # Its own thread: catalog reads (API requests) never queue behind other blocking work.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="catalog")

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def locked() -> T:
            with self._lock:
                return fn(self._db)

        return await asyncio.get_running_loop().run_in_executor(self._thread, locked)

    async def _write(self, sql: str, args: Sequence[object], *, many: bool = False) -> None:
        """Run a statement for its effect. The cursor is closed on the catalog thread: one
        handed back would be finalised on another thread, racing the next statement on the
        shared connection (seen as sporadic ``InterfaceError`` under concurrent ingestion)."""
        def write(db: sqlite3.Connection) -> None:
            cursor = db.executemany(sql, args) if many else db.execute(sql, args)  # type: ignore[arg-type]
            cursor.close()

        await self._run(write)

    async def _fetch(self, sql: str, args: Sequence[object]) -> list[tuple[str, ...]]:
        """Every row of a query, read (and its cursor closed) on the catalog thread."""
        def read(db: sqlite3.Connection) -> list[tuple[str, ...]]:
            cursor = db.execute(sql, args)
            try:
                return cursor.fetchall()
            finally:
                cursor.close()

        return await self._run(read)

    async def close(self) -> None:
        await self._run(lambda db: db.close())
        self._thread.shutdown(wait=True)
