"""Recording to the audit log: who did what, for which tenant, with what outcome.

Agent, tool and ingestion records never fail the work they describe (a store outage is logged
and the work goes on); admin actions use ``strict=True`` and fail without their record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import structlog

from agentflow.domain.identity import AuditEntry
from agentflow.observability.logging import current_trace_id
from agentflow.ports.audit_log import AuditLog

log = structlog.get_logger(__name__)
Detail = str | int | float | bool | None


class Auditor:
    def __init__(self, audit: AuditLog) -> None:
        self.log = audit

    async def record(self, tenant_id: str, actor: str, action: str, outcome: str,
                     detail: Mapping[str, Detail] | None = None, *,
                     trace_id: str | None = None, strict: bool = False) -> None:
        entry = AuditEntry(at=datetime.now(UTC), tenant_id=tenant_id, actor=actor,
                           action=action, outcome=outcome,
                           trace_id=trace_id or current_trace_id(), detail=dict(detail or {}))
        try:
            await self.log.append(entry)
        except Exception as error:
            if strict:
                raise
            log.error("audit_append_failed", action=action, tenant_id=tenant_id,
                      error=str(error)[:200])
