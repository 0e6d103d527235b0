"""``Monitor`` as a client of ``agentflow monitor`` through Dapr service invocation: the
gateway's admin API reads the figures the one monitoring agent keeps from every replica."""

from __future__ import annotations

import httpx

from agentflow.domain.errors import StoreUnavailable
from agentflow.domain.events import DomainEvent
from agentflow.domain.monitoring import Alert, MonitorSnapshot
from agentflow.domain.series import MetricSeries, Resolution


class DaprMonitorClient:
    def __init__(self, dapr_http: str, app_id: str, *, token: str | None = None,
                 timeout_s: float = 10.0) -> None:
        headers = {"dapr-api-token": token} if token else {}
        self._client = httpx.AsyncClient(
            base_url=f"{dapr_http}/v1.0/invoke/{app_id}/method", timeout=timeout_s,
            headers=headers)

    async def observe(self, event: DomainEvent) -> None:
        raise TypeError("the monitor hears events over pub/sub, not through this client")

    async def _get(self, path: str, **params: str | int) -> object:
        try:
            response = await self._client.get(path, params=params)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise StoreUnavailable(f"the monitor service is unavailable: {error}",
                                   store="monitor") from error
        return response.json()

    async def snapshot(self) -> MonitorSnapshot:
        return MonitorSnapshot.model_validate(await self._get("/v1/monitor/snapshot"))

    async def series(self, resolution: Resolution) -> MetricSeries:
        return MetricSeries.model_validate(
            await self._get("/v1/monitor/series", resolution=resolution.value))

    async def alerts(self, *, tenant_id: str | None = None, limit: int = 50) -> list[Alert]:
        params: dict[str, str | int] = {"limit": limit}
        if tenant_id is not None:
            params["tenant_id"] = tenant_id
        body = await self._get("/v1/monitor/alerts", **params)
        return [Alert.model_validate(item) for item in body]  # type: ignore[attr-defined]

    async def close(self) -> None:
        await self._client.aclose()
