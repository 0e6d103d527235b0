"""A data dir written by the release before schema versions opens in this one, whole.

``tests/fixtures/release-0.1`` holds the SQLite files that release wrote (see
``tests/fixtures/release_data.py``): a document ingested, a question answered, a tenant and an
API key. Opened here, each file is migrated to this release's schema version and every record
is found through the API and the stores.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from agentflow.adapters.audit.sqlite_audit import MIGRATIONS as AUDIT_MIGRATIONS
from agentflow.adapters.catalog.sqlite import MIGRATIONS
from agentflow.adapters.catalog.sqlite_schema import schema_version
from agentflow.adapters.identity.sqlite_identity import MIGRATIONS as IDENTITY_MIGRATIONS
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings
from tests.integration.helpers import app_client

RELEASE = Path(__file__).resolve().parents[1] / "fixtures" / "release-0.1"


def _ids(path: Path, sql: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute(sql)]


async def test_a_data_dir_of_the_release_before_is_migrated_and_complete(
        tmp_path: Path, embedder: Embedder) -> None:
    data = tmp_path / "data"
    shutil.copytree(RELEASE, data)
    documents = _ids(data / "catalog.sqlite3", "SELECT id FROM documents")
    queries = _ids(data / "catalog.sqlite3", "SELECT id FROM queries")
    assert len(documents) == 1 and len(queries) == 1
    with sqlite3.connect(data / "catalog.sqlite3") as db:
        assert schema_version(db) == 0  # written before versions existed
    container = build_container(make_settings(data), embedder=embedder)
    async with app_client(container) as client:
        listed = (await client.get("/v1/documents")).json()["documents"]
        assert [(d["id"], d["status"]) for d in listed] == [(documents[0], "ready")]
        pages = await container.catalog.get_page("default", documents[0], 1)
        assert pages is not None and pages.text
        query = (await client.get(f"/v1/queries/{queries[0]}")).json()
        assert query["status"] == "completed" and query["answer"]
        assert [t.id for t in await container.identities.list_tenants()] == ["acme"]
        (key,) = await container.identities.list_api_keys("acme")
        assert await container.identities.api_key_by_hash(key.key_hash) == key
        assert await container.audit.log.page("default")  # the admin actions, recorded
        assert await container.identities.get_model("acme") is None  # the new table, empty
    # Each file is at this release's version: the identity file gained tenants' embedding
    # models (migration 2); the others have their first schema still.
    for name, migrations in (("catalog", MIGRATIONS), ("identity", IDENTITY_MIGRATIONS),
                             ("audit", AUDIT_MIGRATIONS)):
        with sqlite3.connect(data / f"{name}.sqlite3") as db:
            assert schema_version(db) == len(migrations)
    assert (len(MIGRATIONS), len(IDENTITY_MIGRATIONS), len(AUDIT_MIGRATIONS)) == (1, 2, 1)


def test_the_fixture_is_what_the_release_wrote(tmp_path: Path) -> None:
    # The fixture's files must stay as written: regenerating them with this release would
    # test nothing. Version 0 is the mark of the release before schema versions. (Read from a
    # copy: opening a WAL file writes beside it.)
    shutil.copytree(RELEASE, tmp_path / "release")
    assert sorted(p.name for p in RELEASE.iterdir()) == [
        "audit.sqlite3", "catalog.sqlite3", "identity.sqlite3"]
    for name in ("catalog", "identity", "audit"):
        with sqlite3.connect(tmp_path / "release" / f"{name}.sqlite3") as db:
            assert schema_version(db) == 0
