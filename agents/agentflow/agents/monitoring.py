"""The monitoring agent: folds the platform's domain events into figures an admin can read.

It listens on the ``EventBus`` (``query.*``, ``document.*``, ``alert.*``): in-process in the
embedded profile, in ``agentflow monitor`` behind Dapr pub/sub when distributed. Tokens and cost
per tenant, agent and model; query outcomes and answer latency (p50/p95 over the most recent
answers); document outcomes; the newest alerts. State lives in memory: the catalog keeps the
durable usage records (``Catalog.usage_totals``), the monitor the live view.
"""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import UTC, datetime
from typing import Any

import structlog

from agentflow.domain.events import DomainEvent
from agentflow.domain.monitoring import (
    DocumentFigures,
    MonitorReport,
    QueryFigures,
    percentile,
)
from agentflow.domain.queries import UsageTotal

log = structlog.get_logger(__name__)
PATTERNS = ("query.*", "document.*", "alert.*")


class MonitoringAgent:
    def __init__(self, *, latency_window: int = 1000, alert_limit: int = 100) -> None:
        self.since = datetime.now(UTC)
        self._events = 0
        self._queries: dict[str, QueryFigures] = defaultdict(QueryFigures)
        self._latency: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=latency_window))
        self._documents: dict[str, DocumentFigures] = defaultdict(DocumentFigures)
        self._usage: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._alerts: deque[DomainEvent] = deque(maxlen=alert_limit)

    async def observe(self, event: DomainEvent) -> None:
        """One delivered event; unknown types are counted and otherwise ignored."""
        self._events += 1
        tenant, data = event.tenant_id, event.data
        if event.type == "query.completed":
            figures = self._queries[tenant]
            figures.completed += 1
            figures.partial += bool(data.get("partial"))
            total = (data.get("timings_ms") or {}).get("total")
            if isinstance(total, int | float):
                self._latency[tenant].append(float(total))
            for agent, usage in (data.get("usage") or {}).items():
                self._add_usage(tenant, agent, usage)
        elif event.type == "query.failed":
            self._queries[tenant].failed += 1
        elif event.type == "document.ready":
            documents = self._documents[tenant]
            documents.ready += 1
            documents.pages += int(data.get("pages") or 0)
            documents.chunks += int(data.get("chunks") or 0)
        elif event.type == "document.failed":
            self._documents[tenant].failed += 1
        elif event.type.startswith("alert."):
            self._alerts.appendleft(event)
            if event.type == "alert.agent_fallback":
                self._queries[tenant].fallbacks += 1
        log.debug("monitor_observed", type=event.type, tenant_id=tenant, trace_id=event.trace_id)

    def _add_usage(self, tenant: str, agent: str, usage: dict[str, Any]) -> None:
        key = (tenant, agent, str(usage.get("model", "")))
        total = self._usage.setdefault(key, {"queries": 0, "input_tokens": 0,
                                             "output_tokens": 0, "cost_usd": 0.0})
        total["queries"] += 1
        total["input_tokens"] += int(usage.get("input_tokens") or 0)
        total["output_tokens"] += int(usage.get("output_tokens") or 0)
        total["cost_usd"] += float(usage.get("cost_usd") or 0.0)

    def report(self) -> MonitorReport:
        queries = {}
        for tenant, figures in self._queries.items():
            window = list(self._latency[tenant])
            queries[tenant] = figures.model_copy(update={
                "p50_ms": percentile(window, 50) if window else None,
                "p95_ms": percentile(window, 95) if window else None})
        usage = [UsageTotal(tenant_id=tenant, agent=agent, model=model, **total)
                 for (tenant, agent, model), total in sorted(self._usage.items())]
        return MonitorReport(since=self.since, events=self._events, queries=queries,
                             documents=dict(self._documents), usage=usage,
                             alerts=list(self._alerts))
