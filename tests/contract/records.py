"""Records the catalog contracts store: documents and queries at known times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentflow.domain.documents import Document
from agentflow.domain.queries import QueryRecord, QueryStatus
from agentflow.domain.vectors import SearchFilters

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def doc(tenant: str, n: int, sha: str | None = None) -> Document:
    when = T0 + timedelta(minutes=n)
    return Document(id=f"doc{n}", tenant_id=tenant, name=f"{n}.pdf", sha256=sha or f"sha{n}",
                    size_bytes=n, blob_key=f"{tenant}/doc{n}.pdf", created_at=when, updated_at=when)


def query(tenant: str, n: int, conversation: str, status: str = "running") -> QueryRecord:
    when = T0 + timedelta(minutes=n)
    return QueryRecord(id=f"q{n}", tenant_id=tenant, conversation_id=conversation,
                       question=f"question {n}?", top_k=5, filters=SearchFilters(),
                       status=QueryStatus(status), created_at=when, updated_at=when)
