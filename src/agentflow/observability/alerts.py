"""Alert delivery: a webhook POST per alert, in the background, with retries and back-off.

``notify`` only enqueues (a bounded queue; when it is full the oldest waiting alert is dropped
and counted), so the monitoring agent, and the query whose event it is observing, never wait
on a slow or dead webhook. A 2xx answer delivers; 5xx, 429 and network errors are retried
``attempts`` times with exponential back-off; other 4xx are final (the receiver refuses it).
The alert's ``delivery`` field is updated in place (the stored list shows it).
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import structlog

from agentflow.domain.monitoring import Alert

log = structlog.get_logger(__name__)


class WebhookNotifier:
    def __init__(self, url: str, *, attempts: int = 4, timeout_s: float = 5.0,
                 first_backoff_s: float = 0.5, queue_size: int = 1000,
                 client: httpx.AsyncClient | None = None) -> None:
        self._url = url
        self._attempts = attempts
        self._first_backoff_s = first_backoff_s
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._queue: asyncio.Queue[Alert] = asyncio.Queue(maxsize=queue_size)
        self._worker: asyncio.Task[None] | None = None
        self.dropped = 0

    def notify(self, alert: Alert) -> None:
        if self._queue.full():
            stale = self._queue.get_nowait()
            self._queue.task_done()
            stale.delivery = "failed"
            self.dropped += 1
            log.error("alert_dropped", alert_id=stale.id, kind=stale.kind, queue_full=True)
        self._queue.put_nowait(alert)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._deliver_all())

    async def _deliver_all(self) -> None:
        while not self._queue.empty():
            alert = self._queue.get_nowait()
            try:
                await self._deliver(alert)
            finally:
                self._queue.task_done()

    async def _deliver(self, alert: Alert) -> None:
        body = alert.model_dump(mode="json", exclude={"delivery"})
        for attempt in range(1, self._attempts + 1):
            try:
                response = await self._client.post(self._url, json=body)
                if response.is_success:
                    alert.delivery = "delivered"
                    log.info("alert_delivered", alert_id=alert.id, attempt=attempt)
                    return
                retry = response.status_code >= 500 or response.status_code == 429
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as error:
                retry, reason = True, type(error).__name__
            log.warning("alert_delivery_failed", alert_id=alert.id, attempt=attempt,
                        reason=reason, final=not retry or attempt == self._attempts)
            if not retry:
                break
            if attempt < self._attempts:
                await asyncio.sleep(self._first_backoff_s * 2 ** (attempt - 1))
        alert.delivery = "failed"

    async def drain(self) -> None:
        """Until every queued alert was delivered or given up (tests, shutdown)."""
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        await self._client.aclose()
