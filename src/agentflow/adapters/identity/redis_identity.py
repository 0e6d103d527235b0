"""``IdentityStore`` on Redis (``p`` is the prefix): ``p tenant:{id}`` (JSON, created with
``SET NX``), ``p tenants`` (set of ids), ``p api-key:{id}`` (JSON), ``p api-key-hash:{sha256}``
-> key id, ``p api-keys:{tenant}`` (set of key ids); ``TenantModelStore`` too:
``p tenant-model:{id}`` (hash of ``revision`` and ``body``), ``p tenant-models`` (set of ids)."""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agentflow.adapters.outages import translate_outages
from agentflow.domain.embedding_models import TenantEmbedding
from agentflow.domain.errors import Conflict
from agentflow.domain.identity import ApiKey, Tenant

# KEYS: the record's hash, the set of tenants with one. ARGV: expected revision, new revision,
# body, tenant. Compare-and-set in one step (1 saved, 0 another writer came first).
_SAVE_MODEL = """
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision') or '0')
if stored ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'revision', ARGV[2], 'body', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return 1
"""


@translate_outages("redis", RedisConnectionError, RedisTimeoutError)
class RedisIdentityStore:
    def __init__(self, redis: Redis, *, prefix: str = "agentflow:") -> None:
        self._r = redis
        self._p = prefix
        self._save_model = redis.register_script(_SAVE_MODEL)

    async def create_tenant(self, tenant: Tenant) -> None:
        if not await self._r.set(f"{self._p}tenant:{tenant.id}", tenant.model_dump_json(),
                                 nx=True):
            raise Conflict(f"tenant {tenant.id} exists", tenant_id=tenant.id)
        await self._r.sadd(f"{self._p}tenants", tenant.id)

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        body = await self._r.get(f"{self._p}tenant:{tenant_id}")
        return Tenant.model_validate_json(body) if body else None

    async def list_tenants(self) -> list[Tenant]:
        ids = sorted(i.decode() if isinstance(i, bytes) else i
                     for i in await self._r.smembers(f"{self._p}tenants"))
        bodies = await self._r.mget([f"{self._p}tenant:{i}" for i in ids]) if ids else []
        return [Tenant.model_validate_json(body) for body in bodies if body]

    async def save_api_key(self, key: ApiKey) -> None:
        pipe = self._r.pipeline(transaction=True)
        pipe.set(f"{self._p}api-key:{key.id}", key.model_dump_json())
        pipe.set(f"{self._p}api-key-hash:{key.key_hash}", key.id)
        pipe.sadd(f"{self._p}api-keys:{key.tenant_id}", key.id)
        await pipe.execute()

    async def _key(self, key_id: str | bytes | None) -> ApiKey | None:
        if key_id is None:
            return None
        name = key_id.decode() if isinstance(key_id, bytes) else key_id
        body = await self._r.get(f"{self._p}api-key:{name}")
        return ApiKey.model_validate_json(body) if body else None

    async def get_api_key(self, key_id: str) -> ApiKey | None:
        return await self._key(key_id)

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        return await self._key(await self._r.get(f"{self._p}api-key-hash:{key_hash}"))

    async def list_api_keys(self, tenant_id: str) -> list[ApiKey]:
        ids = list(await self._r.smembers(f"{self._p}api-keys:{tenant_id}"))
        keys = [await self._key(i) for i in ids]
        return sorted((k for k in keys if k is not None), key=lambda k: (k.created_at, k.id))

    async def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        key = await self._key(key_id)
        if key is not None and key.revoked_at is None:
            key.revoked_at = at
            await self._r.set(f"{self._p}api-key:{key.id}", key.model_dump_json())
        return key

    async def close(self) -> None:
        """The Redis client belongs to the container (shared with the catalog)."""

    async def get_model(self, tenant_id: str) -> TenantEmbedding | None:
        body = await self._r.hget(f"{self._p}tenant-model:{tenant_id}", "body")
        return TenantEmbedding.model_validate_json(body) if body else None

    async def save_model(self, record: TenantEmbedding, *, revision: int) -> bool:
        saved = await self._save_model(
            keys=[f"{self._p}tenant-model:{record.tenant_id}", f"{self._p}tenant-models"],
            args=[revision, record.revision, record.stored(), record.tenant_id])
        return bool(saved)

    async def list_models(self) -> list[TenantEmbedding]:
        ids = sorted(i.decode() if isinstance(i, bytes) else i
                     for i in await self._r.smembers(f"{self._p}tenant-models"))
        records = [await self.get_model(tenant) for tenant in ids]
        return [record for record in records if record is not None]
