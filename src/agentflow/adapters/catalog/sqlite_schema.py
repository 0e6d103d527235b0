"""Schema versions of AgentFlow's SQLite files, and moving a file forward to this release's.

Each file's ``PRAGMA user_version`` counts the migrations applied to it. Migration 1 is the
schema of the first release: ``CREATE ... IF NOT EXISTS`` statements, which find a file that
release wrote (version 0, before versions existed) already in shape and create a new file.
Each later migration moves a file one version forward, in its own transaction, when the file
is opened. A file of a later version than this release knows is refused, so an older release
never writes into a newer schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import structlog

from agentflow.domain.errors import StoreTooNew

log = structlog.get_logger(__name__)


def schema_version(db: sqlite3.Connection) -> int:
    """The number of migrations applied to the file ``db`` has open."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    return int(version)


def migrate(db: sqlite3.Connection, migrations: Sequence[str], path: Path) -> int:
    """Apply the ``migrations`` the file lacks, in order, each in a transaction with its new
    version; the version reached (``len(migrations)``)."""
    current = schema_version(db)
    if current > len(migrations):
        raise StoreTooNew(
            f"{path} has schema version {current}; this release knows up to "
            f"{len(migrations)}: run the release that wrote it, or a later one",
            path=str(path), version=current, known=len(migrations))
    for version in range(current + 1, len(migrations) + 1):
        try:
            # executescript commits what is pending first; BEGIN makes the script one unit.
            db.executescript(f"BEGIN IMMEDIATE;\n{migrations[version - 1]}\n"
                             f"PRAGMA user_version = {version};\nCOMMIT;")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        log.info("sqlite_migrated", path=str(path), version=version)
    return len(migrations)
