"""Per-tenant quotas checked before work is accepted: documents and bytes stored, model tokens
per (UTC) day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from agentflow.domain.errors import QuotaExceeded
from agentflow.ports.footprints import Footprints
from agentflow.ports.usage_ledger import UsageLedger
from agentflow.settings import LimitSettings


class QuotaRecords(Footprints, UsageLedger, Protocol):
    """What quotas read: each tenant's footprint and usage."""


@dataclass
class Quotas:
    catalog: QuotaRecords
    limits: LimitSettings

    async def check_upload(self, tenant_id: str, documents: int, size_bytes: int) -> None:
        """Room for ``documents`` more documents of ``size_bytes`` in all?"""
        used = await self.catalog.footprint(tenant_id)
        limits = self.limits
        if used.documents + documents > limits.max_documents:
            raise QuotaExceeded(
                f"the tenant stores {used.documents} documents; {documents} more would pass "
                f"its limit of {limits.max_documents}", quota="documents",
                limit=limits.max_documents, used=used.documents)
        if used.bytes + size_bytes > limits.max_bytes:
            raise QuotaExceeded(
                f"the tenant stores {used.bytes} bytes; {size_bytes} more would pass its limit "
                f"of {limits.max_bytes}", quota="bytes", limit=limits.max_bytes,
                used=used.bytes)

    async def check_tokens(self, tenant_id: str, *, now: datetime | None = None) -> None:
        """Model tokens used today (UTC) are under the daily limit?"""
        limit = self.limits.llm_tokens_per_day
        if not limit:
            return
        now = now or datetime.now(UTC)
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        totals = await self.catalog.usage_totals(tenant_id, since=day)
        used = sum(total.input_tokens + total.output_tokens for total in totals)
        if used >= limit:
            raise QuotaExceeded(
                f"the tenant used {used} model tokens today (limit {limit})", quota="llm_tokens",
                limit=limit, used=used,
                retry_after_s=(day + timedelta(days=1) - now).total_seconds())
