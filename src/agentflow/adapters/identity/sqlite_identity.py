"""``IdentityStore`` and ``TenantModelStore`` in SQLite (``{data_dir}/identity.sqlite3``, WAL):
the admin CLI can add tenants and keys while the server runs on the same data directory."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from agentflow.adapters.catalog.sqlite_store import SqliteStore
from agentflow.domain.embedding_models import TenantEmbedding
from agentflow.domain.errors import Conflict
from agentflow.domain.identity import ApiKey, Tenant

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id);
"""
TENANT_MODELS = """
CREATE TABLE IF NOT EXISTS tenant_models (
    tenant_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, body TEXT NOT NULL);
"""
MIGRATIONS = (SCHEMA, TENANT_MODELS)  # oldest first: append, never edit (see ``sqlite_schema``)


class SqliteIdentityStore(SqliteStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path, MIGRATIONS)

    async def create_tenant(self, tenant: Tenant) -> None:
        try:
            await self._write("INSERT INTO tenants (id, body) VALUES (?, ?)",
                              (tenant.id, tenant.model_dump_json()))
        except sqlite3.IntegrityError:
            raise Conflict(f"tenant {tenant.id} exists", tenant_id=tenant.id) from None

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        rows = await self._fetch("SELECT body FROM tenants WHERE id = ?", (tenant_id,))
        return Tenant.model_validate_json(rows[0][0]) if rows else None

    async def list_tenants(self) -> list[Tenant]:
        rows = await self._fetch("SELECT body FROM tenants ORDER BY id", ())
        return [Tenant.model_validate_json(body) for (body,) in rows]

    async def save_api_key(self, key: ApiKey) -> None:
        await self._write(
            "INSERT INTO api_keys (id, tenant_id, key_hash, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET body = excluded.body",
            (key.id, key.tenant_id, key.key_hash, key.model_dump_json()))

    async def get_api_key(self, key_id: str) -> ApiKey | None:
        rows = await self._fetch("SELECT body FROM api_keys WHERE id = ?", (key_id,))
        return ApiKey.model_validate_json(rows[0][0]) if rows else None

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        rows = await self._fetch("SELECT body FROM api_keys WHERE key_hash = ?", (key_hash,))
        return ApiKey.model_validate_json(rows[0][0]) if rows else None

    async def list_api_keys(self, tenant_id: str) -> list[ApiKey]:
        rows = await self._fetch("SELECT body FROM api_keys WHERE tenant_id = ?", (tenant_id,))
        return sorted((ApiKey.model_validate_json(body) for (body,) in rows),
                      key=lambda key: (key.created_at, key.id))

    async def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        key = await self.get_api_key(key_id)
        if key is None:
            return None
        if key.revoked_at is None:
            key.revoked_at = at
            await self.save_api_key(key)
        return key

    async def get_model(self, tenant_id: str) -> TenantEmbedding | None:
        rows = await self._fetch("SELECT body FROM tenant_models WHERE tenant_id = ?",
                                 (tenant_id,))
        return TenantEmbedding.model_validate_json(rows[0][0]) if rows else None

    async def save_model(self, record: TenantEmbedding, *, revision: int) -> bool:
        def save(db: sqlite3.Connection) -> bool:
            if revision == 0:
                sql = ("INSERT INTO tenant_models (tenant_id, revision, body) VALUES (?, ?, ?) "
                       "ON CONFLICT (tenant_id) DO NOTHING")
                args: tuple[object, ...] = (record.tenant_id, record.revision, record.stored())
            else:
                sql = ("UPDATE tenant_models SET revision = ?, body = ? "
                       "WHERE tenant_id = ? AND revision = ?")
                args = (record.revision, record.stored(), record.tenant_id, revision)
            cursor = db.execute(sql, args)
            try:
                return cursor.rowcount == 1
            finally:
                cursor.close()

        return await self._run(save)

    async def list_models(self) -> list[TenantEmbedding]:
        rows = await self._fetch("SELECT body FROM tenant_models ORDER BY tenant_id", ())
        return [TenantEmbedding.model_validate_json(body) for (body,) in rows]
