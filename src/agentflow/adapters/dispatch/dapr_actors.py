"""``IngestionDispatch`` through Dapr actors: each upload becomes a call of its document's
``IngestionActor.Ingest`` (``agentflow ingestion`` hosts the actors), over Dapr's HTTP API.

The actor owns the rest: it starts the workflow and keeps a reminder that restarts a lost one. A
call that cannot reach Dapr is retried with back-off; after the last try the document stays
``pending`` and the next start of any gateway hands it over again (``Ingest`` is idempotent for
an attempt, so replicas doing this at once start it once).
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import structlog

from agentflow.domain.documents import Document
from agentflow.ports.catalog import Catalog

log = structlog.get_logger(__name__)
ACTOR_TYPE = "IngestionActor"


class DaprActorDispatch:
    def __init__(self, dapr_http: str, catalog: Catalog, *, token: str | None = None,
                 tries: int = 4, first_backoff_s: float = 0.5) -> None:
        headers = {"dapr-api-token": token} if token else {}
        self._client = httpx.AsyncClient(base_url=dapr_http, timeout=30, headers=headers)
        self._catalog = catalog
        self._tries = tries
        self._backoff_s = first_backoff_s
        self._calls: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        for document in await self._catalog.unfinished_documents():
            self.submit(document)

    async def stop(self) -> None:
        for call in list(self._calls):
            call.cancel()
        for call in list(self._calls):
            with contextlib.suppress(asyncio.CancelledError):
                await call
        await self._client.aclose()

    def submit(self, document: Document) -> None:
        call = asyncio.get_running_loop().create_task(self._hand_over(document))
        self._calls.add(call)
        call.add_done_callback(self._calls.discard)

    def depth(self) -> int:
        return len(self._calls)  # hand-overs under way; the actors queue nothing here

    async def wait_idle(self) -> None:
        while self._calls:
            await asyncio.gather(*self._calls, return_exceptions=True)

    async def _hand_over(self, document: Document) -> None:
        actor_id = f"{document.tenant_id}|{document.id}"
        url = f"/v1.0/actors/{ACTOR_TYPE}/{actor_id}/method/Ingest"
        facts = {"document_id": document.id, "tenant_id": document.tenant_id,
                 "trace_id": document.trace_id}
        for attempt in range(1, self._tries + 1):
            try:
                response = await self._client.post(url, json={"attempt": document.attempts})
                if response.status_code < 300:
                    log.info("ingestion_dispatched", actor_id=actor_id, **facts)
                    return
                reason = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.TransportError as error:
                reason = str(error) or type(error).__name__
            log.warning("ingestion_dispatch_failed", attempt=attempt, reason=reason, **facts)
            if attempt < self._tries:
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
        log.error("ingestion_dispatch_gave_up", tries=self._tries, **facts)
