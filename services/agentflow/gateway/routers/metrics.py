"""``GET /metrics``: this process's Prometheus metrics, gauges refreshed from the catalog."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Header, Response

from agentflow.domain.errors import Unauthenticated
from agentflow.gateway.deps import Gauges, GaugesDep
from agentflow.observability import metrics

router = APIRouter(include_in_schema=False)


async def refresh_gauges(gauges: Gauges) -> None:
    """Documents per tenant and status, and queue depths, as of now."""
    tenants = {tenant.id for tenant in await gauges.identities.list_tenants()}
    footprints = await gauges.footprints.footprints(sorted(tenants | {"default"}))
    metrics.documents.clear()
    for tenant, footprint in footprints.items():
        for status, count in footprint.by_status.items():
            metrics.documents.labels(status=status.value, tenant=tenant).set(count)
    metrics.queue_depth.labels(queue="ingestion").set(gauges.ingestion.depth())


@router.get("/metrics")
async def scrape(gauges: GaugesDep,
                 authorization: Annotated[str | None, Header()] = None) -> Response:
    """Prometheus text format. With ``telemetry.metrics_token`` set, scrapers must present it
    as a bearer token (tenant names are label values)."""
    expected = gauges.settings.telemetry.metrics_token
    if expected is not None and not secrets.compare_digest(
            (authorization or "").removeprefix("Bearer "), expected.get_secret_value()):
        raise Unauthenticated("the metrics endpoint needs the configured metrics token")
    await refresh_gauges(gauges)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
