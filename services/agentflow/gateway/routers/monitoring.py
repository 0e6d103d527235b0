"""``/v1/admin`` figures (role admin): the live metrics, agent health, alerts and usage/cost per
period — the data behind the Grafana dashboards, as JSON.

Platform-wide figures (``metrics``, ``agents``) are for platform admins (admins of the default
tenant); ``usage`` and ``alerts`` show a tenant's admin its own tenant only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from agentflow.auth.admin import is_platform_admin
from agentflow.domain.errors import Forbidden, InvalidInput
from agentflow.domain.identity import Principal
from agentflow.domain.monitoring import AgentHealth, Alert, MonitorSnapshot, Period, UsageReport
from agentflow.domain.series import MetricSeries, Resolution
from agentflow.gateway.deps import AdminDep, MonitorDep, UsageLedgerDep
from agentflow.observability.usage import usage_report

router = APIRouter(prefix="/v1/admin", tags=["admin"])
_DEFAULT_SPAN = {Period.HOUR: timedelta(hours=24), Period.DAY: timedelta(days=30),
                 Period.MONTH: timedelta(days=365)}


def _platform(admin: Principal) -> None:
    if not is_platform_admin(admin):
        raise Forbidden("platform-wide figures are for admins of the default tenant")


def _scope(admin: Principal, tenant: str | None) -> str | None:
    """The tenant a request may see: its own, or any (``None``: all) for platform admins."""
    if is_platform_admin(admin):
        return tenant
    if tenant is not None and tenant != admin.tenant_id:
        raise Forbidden("admins see their own tenant's figures")
    return admin.tenant_id


@router.get("/metrics")
async def metrics(
    admin: AdminDep, monitor: MonitorDep,
    series: Annotated[Resolution | None, Query(
        description="`minute`: answers' and agents' calls, error rate and p50/p95 latency per "
                    "minute for the last hour; `hour`: per hour for the last day")] = None,
) -> MonitorSnapshot | MetricSeries:
    """The monitoring agent's live view: answers and agents in the current window against
    their baseline, tenants' tokens and cost, documents, usage and token share per agent; with
    ``series``, response times over time instead."""
    _platform(admin)
    if series is not None:
        return await monitor.series(series)
    return await monitor.snapshot()


@router.get("/agents")
async def agents(admin: AdminDep, monitor: MonitorDep) -> list[AgentHealth]:
    """Per agent: health, call and error rates, fallbacks and p50/p95 latency (window and
    baseline)."""
    _platform(admin)
    return (await monitor.snapshot()).agents


@router.get("/alerts")
async def alerts(admin: AdminDep, monitor: MonitorDep,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[Alert]:
    """Alerts raised (anomalies, fall-backs), newest first, with their webhook delivery."""
    return await monitor.alerts(tenant_id=_scope(admin, None), limit=limit)


@router.get("/usage")
async def usage(admin: AdminDep, ledger: UsageLedgerDep,
                period: Period = Period.DAY, since: datetime | None = None,
                until: datetime | None = None,
                tenant: Annotated[str | None, Query(max_length=64)] = None) -> UsageReport:
    """Tokens and cost per period, tenant, agent and model (from the durable usage records),
    with each agent's share of tokens and cost over the range."""
    scope = _scope(admin, tenant)
    try:
        until = _aware(until or datetime.now(UTC))
        since = _aware(since or until - _DEFAULT_SPAN[period])
        since.astimezone(UTC), until.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput("since and until must be dates within the calendar",
                           field="since") from None
    return await usage_report(ledger, period=period, since=since, until=until,
                              tenant_id=scope)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
