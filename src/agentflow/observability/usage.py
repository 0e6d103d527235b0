"""Usage and cost reports per period (hour, day, month) from the catalog's durable records."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from agentflow.domain.errors import InvalidInput
from agentflow.domain.monitoring import Period, UsageReport, UsageRow
from agentflow.ports.usage_ledger import UsageLedger

MAX_PERIODS = 366


def period_starts(period: Period, since: datetime, until: datetime) -> list[datetime]:
    """The starts of the periods covering ``[since, until)``, the first one floored."""
    if period is Period.HOUR:
        start = since.replace(minute=0, second=0, microsecond=0)
    elif period is Period.DAY:
        start = since.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        start = since.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    while start < until:
        starts.append(start)
        if len(starts) > MAX_PERIODS:
            raise InvalidInput(f"more than {MAX_PERIODS} {period.value}s; narrow the range",
                               field="since")
        try:
            start = _next(period, start)
        except OverflowError:  # the last period of the calendar
            break
    return starts


def _next(period: Period, start: datetime) -> datetime:
    if period is Period.HOUR:
        return start + timedelta(hours=1)
    if period is Period.DAY:
        return start + timedelta(days=1)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


async def usage_report(catalog: UsageLedger, *, period: Period, since: datetime,
                       until: datetime | None = None,
                       tenant_id: str | None = None) -> UsageReport:
    """Per period, tenant, agent and model; shares per agent over the whole range."""
    since = since.astimezone(UTC)
    until = (until or datetime.now(UTC)).astimezone(UTC)
    if until <= since:
        raise InvalidInput("until must be after since", field="until")
    rows: list[UsageRow] = []
    for start in period_starts(period, since, until):
        end = min(_next(period, start), until)
        for total in await catalog.usage_totals(tenant_id, since=max(start, since), until=end):
            rows.append(UsageRow(period_start=start, **total.model_dump()))
    tokens: dict[str, int] = defaultdict(int)
    cost: dict[str, float] = defaultdict(float)
    for row in rows:
        tokens[row.agent] += row.input_tokens + row.output_tokens
        cost[row.agent] += row.cost_usd
    total_tokens, total_cost = sum(tokens.values()), sum(cost.values())
    return UsageReport(
        period=period, since=since, until=until, rows=rows, total_tokens=total_tokens,
        total_cost_usd=round(total_cost, 6),
        token_share={a: round(n / total_tokens, 4) for a, n in sorted(tokens.items())}
        if total_tokens else {},
        cost_share={a: round(c / total_cost, 4) for a, c in sorted(cost.items())}
        if total_cost else {})
