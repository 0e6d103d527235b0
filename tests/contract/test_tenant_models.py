"""TenantModelStore contract: SQLite and Redis keep each tenant's embedding model (its key
included, never shown) with compare-and-set on the record's revision."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr

from agentflow.domain.embedding_models import (
    EmbeddingModelSpec,
    EmbeddingProvider,
    ReembedStatus,
    TenantEmbedding,
)
from agentflow.ports.tenant_models import TenantModelStore

REMOTE = EmbeddingModelSpec(provider=EmbeddingProvider.OPENAI, model="text-embed-3",
                            dimension=256, base_url="http://127.0.0.1:9/v1",
                            api_key=SecretStr("sk-secret-value"))


async def test_a_record_round_trips_with_its_key(identities: TenantModelStore) -> None:
    assert await identities.get_model("acme") is None
    record = TenantEmbedding(tenant_id="acme", target=REMOTE, target_generation=1,
                             status=ReembedStatus.RUNNING, total=3, revision=1)
    assert await identities.save_model(record, revision=0)
    stored = await identities.get_model("acme")
    assert stored == record
    assert stored is not None and stored.target is not None and stored.target.api_key is not None
    assert stored.target.api_key.get_secret_value() == "sk-secret-value"
    assert "sk-secret-value" not in stored.model_dump_json()  # shown masked everywhere else
    assert [r.tenant_id for r in await identities.list_models()] == ["acme"]


async def test_saves_are_compare_and_set_on_the_revision(identities: TenantModelStore) -> None:
    first = TenantEmbedding(tenant_id="acme", revision=1)
    assert await identities.save_model(first, revision=0)
    assert not await identities.save_model(first, revision=0)  # created once
    moved = first.model_copy(update={"target": REMOTE, "revision": 2})
    assert not await identities.save_model(moved, revision=5)  # stale
    results = await asyncio.gather(*(identities.save_model(moved.model_copy(update={"done": n}),
                                                      revision=1) for n in range(5)))
    assert results.count(True) == 1  # one writer wins a race
    stored = await identities.get_model("acme")
    assert stored is not None and stored.revision == 2 and stored.target == REMOTE
    await identities.save_model(TenantEmbedding(tenant_id="beta", revision=1), revision=0)
    assert [r.tenant_id for r in await identities.list_models()] == ["acme", "beta"]
