"""Schema versions of the SQLite files: forward in order, one transaction each, never back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentflow.adapters.catalog.sqlite_schema import migrate, schema_version
from agentflow.domain.errors import StoreTooNew

V1 = "CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, body TEXT NOT NULL);"
V2 = "ALTER TABLE notes ADD COLUMN tag TEXT NOT NULL DEFAULT '';"


def _open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_a_file_moves_forward_one_migration_at_a_time(tmp_path: Path) -> None:
    db = _open(tmp_path / "f.sqlite3")
    assert migrate(db, [V1], tmp_path) == 1 and schema_version(db) == 1
    db.execute("INSERT INTO notes (id, body) VALUES ('a', 'kept')")
    assert migrate(db, [V1, V2], tmp_path) == 2 and schema_version(db) == 2
    assert db.execute("SELECT id, body, tag FROM notes").fetchall() == [("a", "kept", "")]
    assert migrate(db, [V1, V2], tmp_path) == 2  # nothing left to apply


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    db = _open(tmp_path / "f.sqlite3")
    migrate(db, [V1], tmp_path)
    broken = "ALTER TABLE notes ADD COLUMN tag TEXT; ALTER TABLE no_such_table ADD COLUMN x;"
    with pytest.raises(sqlite3.OperationalError):
        migrate(db, [V1, broken], tmp_path)
    assert schema_version(db) == 1 and not db.in_transaction
    columns = [row[1] for row in db.execute("PRAGMA table_info(notes)")]
    assert columns == ["id", "body"]  # the first statement was rolled back too


def test_a_file_of_a_later_release_is_refused(tmp_path: Path) -> None:
    db = _open(tmp_path / "f.sqlite3")
    migrate(db, [V1, V2], tmp_path)
    with pytest.raises(StoreTooNew) as refused:
        migrate(db, [V1], tmp_path)
    assert refused.value.code == "store_too_new" and refused.value.fields["version"] == 2
