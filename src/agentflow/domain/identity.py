"""Who is calling: tenants, API keys, roles, and the principal a request acts as."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class Role(StrEnum):
    """What a principal may do within its tenant."""

    USER = "user"  # documents, questions, conversations of its tenant
    ADMIN = "admin"  # and the tenant's keys, usage, audit; tenants themselves


class Tenant(BaseModel):
    """An isolated customer: its own documents, queries, keys and usage."""

    id: str = Field(pattern=TENANT_ID_PATTERN)
    created_at: datetime


class ApiKey(BaseModel):
    """A stored API key: only the SHA-256 of the secret is kept; ``prefix`` identifies it."""

    id: str
    tenant_id: str
    role: Role
    key_hash: str
    prefix: str  # the first characters of the key, to tell keys apart in listings
    created_at: datetime
    revoked_at: datetime | None = None


class Principal(BaseModel):
    """The authenticated caller of one request."""

    tenant_id: str = Field(pattern=TENANT_ID_PATTERN)
    role: Role
    subject: str  # the key id, the token's ``sub``, or ``local`` when auth is off
    method: str  # "api_key", "jwt" or "local"

    @property
    def is_admin(self) -> bool:
        """Whether the caller holds the admin role."""
        return self.role is Role.ADMIN


class AuditEntry(BaseModel):
    """One thing that happened, for the record: never changed once appended."""

    id: str = ""  # assigned by the log, increasing within a tenant
    at: datetime
    tenant_id: str
    actor: str  # a key id, a token subject, "local", "cli", "anonymous", or an agent's name
    action: str  # "auth.failed", "admin.create_key", "agent.synthesis", "ingest.extract", ...
    outcome: str  # "ok", "denied", "failed", "fallback", "retrying"
    trace_id: str | None = None
    detail: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
