"""IdentityStore contract: SQLite and Redis keep tenants and API keys (hashes only) alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agentflow.auth.api_keys import hash_key, new_api_key
from agentflow.domain.errors import Conflict
from agentflow.domain.identity import Role, Tenant
from agentflow.ports.identity_store import IdentityStore


async def test_tenants_are_created_once_and_listed_by_id(identities: IdentityStore) -> None:
    now = datetime.now(UTC)
    for name in ("beta", "acme"):
        await identities.create_tenant(Tenant(id=name, created_at=now))
    with pytest.raises(Conflict):
        await identities.create_tenant(Tenant(id="acme", created_at=now))
    assert [t.id for t in await identities.list_tenants()] == ["acme", "beta"]
    assert (await identities.get_tenant("acme")) == Tenant(id="acme", created_at=now)
    assert await identities.get_tenant("gamma") is None


async def test_keys_are_found_by_hash_listed_per_tenant_and_revoked_once(
        identities: IdentityStore) -> None:
    secret, key = new_api_key("acme", Role.ADMIN)
    _, other = new_api_key("beta", Role.USER)
    older = key.model_copy(update={"id": "key_older",
                                   "created_at": key.created_at - timedelta(days=1),
                                   "key_hash": hash_key("another secret")})
    for record in (key, other, older):
        await identities.save_api_key(record)
    assert secret not in key.model_dump_json()  # only the hash is kept
    assert await identities.api_key_by_hash(hash_key(secret)) == key
    assert await identities.api_key_by_hash(hash_key(secret + "x")) is None
    assert [k.id for k in await identities.list_api_keys("acme")] == ["key_older", key.id]
    assert await identities.get_api_key(other.id) == other
    first = datetime.now(UTC)
    revoked = await identities.revoke_api_key(key.id, first)
    again = await identities.revoke_api_key(key.id, first + timedelta(hours=1))
    assert revoked is not None and again is not None
    assert revoked.revoked_at == again.revoked_at == first
    found = await identities.api_key_by_hash(hash_key(secret))
    assert found is not None and found.revoked_at == first
    assert await identities.revoke_api_key("key_missing", first) is None
