"""Building the record stores: catalog, event log, identities, limits, audit; and the event bus."""

from __future__ import annotations

from typing import NamedTuple, Protocol

import structlog

from agentflow.ports.audit_log import AuditLog
from agentflow.ports.catalog import Catalog
from agentflow.ports.event_bus import EventBus
from agentflow.ports.event_log import EventLog
from agentflow.ports.identity_store import IdentityStore
from agentflow.ports.passage_sets import PassageSets
from agentflow.ports.rate_limiter import RateLimiter
from agentflow.ports.tenant_models import TenantModelStore
from agentflow.runtime.optional import load
from agentflow.settings import (
    EventBusKind,
    Settings,
)

log = structlog.get_logger(__name__)


class Identities(IdentityStore, TenantModelStore, Protocol):
    """Tenants, their keys and their embedding models: one store."""


class Records(NamedTuple):
    """The stores of records: SQLite and memory embedded, one Redis when distributed."""

    catalog: Catalog
    events: EventLog
    identities: Identities
    limiter: RateLimiter
    audit: AuditLog
    passages: PassageSets  # what a question's retrieval found, while it is answered


def build_records(settings: Settings) -> Records:
    """The catalog, event streams, tenants and keys, and rate limits: Redis when ``REDIS_URL``
    is set, else SQLite files in the data directory and memory."""
    if settings.redis_url is None:
        from agentflow.adapters.audit.sqlite_audit import SqliteAuditLog
        from agentflow.adapters.catalog.sqlite import SqliteCatalog
        from agentflow.adapters.events.memory_log import MemoryEventLog
        from agentflow.adapters.identity.sqlite_identity import SqliteIdentityStore
        from agentflow.adapters.limits.memory_limiter import MemoryRateLimiter
        from agentflow.adapters.passages.memory_passages import MemoryPassageSets

        data = settings.data_dir
        return Records(SqliteCatalog(data / "catalog.sqlite3"), MemoryEventLog(),
                       SqliteIdentityStore(data / "identity.sqlite3"), MemoryRateLimiter(),
                       SqliteAuditLog(data / "audit.sqlite3"), MemoryPassageSets())
    client = load("redis.asyncio", "distributed").Redis.from_url(settings.redis_url)
    prefix = settings.redis_prefix
    return Records(
        load("agentflow.adapters.catalog.redis_catalog", "distributed").RedisCatalog(
            client, prefix=prefix),
        load("agentflow.adapters.events.redis_log", "distributed").RedisEventLog(
            client, prefix=f"{prefix}events:"),
        load("agentflow.adapters.identity.redis_identity", "distributed").RedisIdentityStore(
            client, prefix=prefix),
        load("agentflow.adapters.limits.redis_limiter", "distributed").RedisRateLimiter(
            client, prefix=f"{prefix}rate:"),
        load("agentflow.adapters.audit.redis_audit", "distributed").RedisAuditLog(
            client, prefix=prefix),
        load("agentflow.adapters.passages.redis_passages", "distributed").RedisPassageSets(
            client, prefix=prefix))


def build_event_bus(settings: Settings) -> EventBus:
    """Domain events in this process, or on Dapr pub/sub (every replica hears them)."""
    if settings.event_bus is EventBusKind.MEMORY:
        from agentflow.adapters.bus.memory_bus import MemoryEventBus

        return MemoryEventBus()
    pubsub = load("agentflow.adapters.bus.dapr_pubsub")
    token = settings.dapr.api_token.get_secret_value() if settings.dapr.api_token else None
    built: EventBus = pubsub.DaprPubSubEventBus(
        settings.dapr.http_endpoint, pubsub=settings.dapr.pubsub, token=token)
    return built
