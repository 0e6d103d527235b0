"""``Catalog`` on SQLite (stdlib ``sqlite3``, WAL): one file under the data dir.

Records are stored as JSON next to the columns that are queried; every statement names the
tenant, so a caller cannot read across tenants.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agentflow.adapters.catalog.cursor import decode_cursor, encode_cursor
from agentflow.adapters.catalog.pages import page_text
from agentflow.adapters.catalog.sqlite_queries import QUERY_SCHEMA, SqliteQueries
from agentflow.adapters.catalog.sqlite_store import transaction
from agentflow.domain.documents import (
    Chunk,
    Document,
    DocumentPage,
    DocumentStatus,
    PageJson,
    PageText,
    Progress,
    TenantFootprint,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, sha256)
);
CREATE INDEX IF NOT EXISTS documents_by_time ON documents (tenant_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS documents_by_status ON documents (status);
CREATE TABLE IF NOT EXISTS pages (
    tenant_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant_id, document_id, number)
);
CREATE TABLE IF NOT EXISTS chunks (
    tenant_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant_id, document_id, ordinal)
);
"""

# The catalog file's migrations, oldest first: append, never edit (see ``sqlite_schema``).
MIGRATIONS = (_SCHEMA + QUERY_SCHEMA,)


class SqliteCatalog(SqliteQueries):
    """Documents, pages and chunks here; queries in ``SqliteQueries``; plumbing in the store."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, MIGRATIONS)

    async def add_document(self, document: Document) -> Document:
        def insert(db: sqlite3.Connection) -> Document:
            try:
                db.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                    (document.tenant_id, document.id, document.sha256, document.status,
                     document.created_at.isoformat(), document.model_dump_json()),
                )
                return document
            except sqlite3.IntegrityError:
                row = db.execute(
                    "SELECT body FROM documents WHERE tenant_id = ? AND sha256 = ?",
                    (document.tenant_id, document.sha256),
                ).fetchone()
                if row is None:
                    raise
                return Document.model_validate_json(row[0])

        return await self._run(insert)

    async def get_document(self, tenant_id: str, document_id: str) -> Document | None:
        row = await self._run(lambda db: db.execute(
            "SELECT body FROM documents WHERE tenant_id = ? AND id = ?", (tenant_id, document_id)
        ).fetchone())
        return None if row is None else Document.model_validate_json(row[0])

    async def find_by_sha256(self, tenant_id: str, sha256: str) -> Document | None:
        row = await self._run(lambda db: db.execute(
            "SELECT body FROM documents WHERE tenant_id = ? AND sha256 = ?", (tenant_id, sha256)
        ).fetchone())
        return None if row is None else Document.model_validate_json(row[0])

    async def save_document(self, document: Document) -> None:
        await self._write(
            "UPDATE documents SET status = ?, body = ? WHERE tenant_id = ? AND id = ?",
            (document.status, document.model_dump_json(), document.tenant_id, document.id))

    async def save_document_if(self, document: Document, *,
                               status: Sequence[DocumentStatus]) -> bool:
        wanted = [s.value for s in status]
        marks = ", ".join("?" * len(wanted))

        def update(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                f"UPDATE documents SET status = ?, body = ? WHERE tenant_id = ? AND id = ? "
                f"AND status IN ({marks})",
                (document.status, document.model_dump_json(), document.tenant_id, document.id,
                 *wanted))
            try:
                return cursor.rowcount == 1
            finally:
                cursor.close()

        return bool(wanted) and await self._run(update)

    async def update_progress(self, tenant_id: str, document_id: str, progress: Progress) -> None:
        now = datetime.now(UTC).isoformat()
        await self._write(
            "UPDATE documents SET body = json_set(body, '$.progress', json(?), '$.updated_at', ?) "
            "WHERE tenant_id = ? AND id = ?",
            (progress.model_dump_json(), now, tenant_id, document_id))

    async def list_documents(
        self,
        tenant_id: str,
        *,
        status: DocumentStatus | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> tuple[list[Document], str | None]:
        sql = "SELECT body, created_at, id FROM documents WHERE tenant_id = ?"
        args: list[object] = [tenant_id]
        if status is not None:
            sql += " AND status = ?"
            args.append(status.value)
        if cursor is not None:
            created_at, document_id = decode_cursor(cursor)
            sql += " AND (created_at, id) < (?, ?)"
            args += [created_at, document_id]
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        args.append(limit + 1)
        rows = await self._run(lambda db: db.execute(sql, args).fetchall())
        documents = [Document.model_validate_json(row[0]) for row in rows[:limit]]
        next_cursor = encode_cursor(rows[limit - 1][1], rows[limit - 1][2]) if len(rows) > limit else None
        return documents, next_cursor

    async def footprint(self, tenant_id: str) -> TenantFootprint:
        return (await self.footprints([tenant_id]))[tenant_id]

    async def footprints(self, tenant_ids: Sequence[str]) -> dict[str, TenantFootprint]:
        wanted = list(dict.fromkeys(tenant_ids))
        rows = await self._fetch(
            "SELECT tenant_id, status, COUNT(*), "
            "COALESCE(SUM(json_extract(body, '$.size_bytes')), 0) FROM documents "
            f"WHERE tenant_id IN ({', '.join('?' * len(wanted))}) GROUP BY tenant_id, status",
            tuple(wanted))
        result = {tenant: TenantFootprint(documents=0, bytes=0) for tenant in wanted}
        for tenant, status, count, size in rows:
            held = result[tenant]
            held.documents += int(count)
            held.bytes += int(size)
            held.by_status[DocumentStatus(status)] = int(count)
        return result

    async def unfinished_documents(self) -> list[Document]:
        rows = await self._run(lambda db: db.execute(
            "SELECT body FROM documents WHERE status IN ('pending', 'processing') "
            "ORDER BY created_at"
        ).fetchall())
        return [Document.model_validate_json(row[0]) for row in rows]

    async def delete_document(self, tenant_id: str, document_id: str) -> None:
        def delete(db: sqlite3.Connection) -> None:
            with transaction(db):
                for table, column in (("chunks", "document_id"), ("pages", "document_id"),
                                      ("documents", "id")):
                    db.execute(f"DELETE FROM {table} WHERE tenant_id = ? AND {column} = ?",
                               (tenant_id, document_id))

        await self._run(delete)

    async def save_pages(self, tenant_id: str, pages: Sequence[DocumentPage]) -> None:
        for document_id in dict.fromkeys(page.document_id for page in pages):
            await self.save_page_json(tenant_id, document_id, [
                PageJson(number=page.number, body=page.model_dump_json())
                for page in pages if page.document_id == document_id])

    async def save_page_json(self, tenant_id: str, document_id: str,
                             pages: Sequence[PageJson]) -> None:
        rows = [(tenant_id, document_id, page.number, page.body) for page in pages]
        await self._write("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", rows, many=True)

    async def get_page(self, tenant_id: str, document_id: str, number: int) -> DocumentPage | None:
        row = await self._run(lambda db: db.execute(
            "SELECT body FROM pages WHERE tenant_id = ? AND document_id = ? AND number = ?",
            (tenant_id, document_id, number),
        ).fetchone())
        return None if row is None else DocumentPage.model_validate_json(row[0])

    async def count_pages(self, tenant_id: str, document_id: str) -> int:
        row = await self._run(lambda db: db.execute(
            "SELECT count(*) FROM pages WHERE tenant_id = ? AND document_id = ?",
            (tenant_id, document_id),
        ).fetchone())
        return int(row[0])

    async def get_pages(self, tenant_id: str, document_id: str) -> list[DocumentPage]:
        rows = await self._run(lambda db: db.execute(
            "SELECT body FROM pages WHERE tenant_id = ? AND document_id = ? ORDER BY number",
            (tenant_id, document_id),
        ).fetchall())
        return [DocumentPage.model_validate_json(row[0]) for row in rows]

    async def get_page_texts(self, tenant_id: str, document_id: str) -> list[PageText]:
        # SQLite's JSON functions pick the two fields out; the geometry is never parsed.
        rows = await self._run(lambda db: db.execute(
            "SELECT number, json_extract(body, '$.text'), json_extract(body, '$.warnings') "
            "FROM pages WHERE tenant_id = ? AND document_id = ? ORDER BY number",
            (tenant_id, document_id),
        ).fetchall())
        return [page_text(number, text, warnings) for number, text, warnings in rows]

    async def replace_chunks(
        self, tenant_id: str, document_id: str, chunks: Sequence[Chunk]
    ) -> None:
        rows = [(tenant_id, document_id, chunk.ordinal, chunk.model_dump_json()) for chunk in chunks]

        def replace(db: sqlite3.Connection) -> None:
            with transaction(db):
                db.execute("DELETE FROM chunks WHERE tenant_id = ? AND document_id = ?",
                           (tenant_id, document_id))
                db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?)", rows)

        await self._run(replace)

    async def get_chunks(
        self, tenant_id: str, document_id: str, *, start: int = 0, stop: int | None = None
    ) -> list[Chunk]:
        rows = await self._run(lambda db: db.execute(
            "SELECT body FROM chunks WHERE tenant_id = ? AND document_id = ? "
            "AND ordinal >= ? AND ordinal < ? ORDER BY ordinal",
            (tenant_id, document_id, start, stop if stop is not None else 2**62),
        ).fetchall())
        return [Chunk.model_validate_json(row[0]) for row in rows]

    async def find_chunk(self, tenant_id: str, document_id: str, chunk_id: str) -> Chunk | None:
        row = await self._run(lambda db: db.execute(
            "SELECT body FROM chunks WHERE tenant_id = ? AND document_id = ? "
            "AND json_extract(body, '$.id') = ?", (tenant_id, document_id, chunk_id),
        ).fetchone())
        return None if row is None else Chunk.model_validate_json(row[0])
