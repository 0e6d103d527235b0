"""The API keeps answering quickly while several documents are being ingested."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.integration.helpers import upload, wait_terminal

pytestmark = pytest.mark.slow


async def test_reads_stay_fast_under_ingestion_load(client: httpx.AsyncClient,
                                                    sec10q_dir: Path) -> None:
    paths = sorted(sec10q_dir.glob("*.pdf"))[:5]
    ids = [(await upload(client, path)).json()["documents"][0]["id"] for path in paths]
    loop = asyncio.get_running_loop()
    reads: list[float] = []
    for _ in range(600):  # wait for the first document to reach the embedding stage
        body = (await client.get(f"/v1/documents/{ids[0]}")).json()
        if body["progress"]["stage"] == "embedding":
            break
        await asyncio.sleep(0.05)
    for _ in range(40):  # about 4 s in the middle of embedding
        for document_id in ids:
            started = loop.time()
            response = await client.get(f"/v1/documents/{document_id}")
            reads.append(loop.time() - started)
            assert response.status_code == 200
        await asyncio.sleep(0.1)
    # Typical reads are a few ms; on a shared 2-core machine a rare one waits for the CPU, so
    # the bound is on the 95th percentile, and a stalled event loop (seconds) fails either way.
    reads.sort()
    p95, slowest = reads[int(len(reads) * 0.95)], reads[-1]
    assert p95 < 0.5 and slowest < 2.0, f"reads while ingesting: p95 {p95:.2f}s, max {slowest:.2f}s"
    # Questions embed on a lane of their own: they do not queue behind the chunks being embedded.
    assert (await client.get(f"/v1/documents/{ids[-1]}")).json()["status"] != "ready"
    answers = []
    for _ in range(3):
        started = loop.time()
        response = await client.post("/v1/queries", json={"question": "What was net revenue?",
                                                          "stream": True})
        answers.append(loop.time() - started)
        assert response.status_code == 200 and "event: done" in response.text
    assert max(answers) < 2.0, f"answers took {answers} while ingesting"
    for document_id in ids:
        assert (await wait_terminal(client, document_id, timeout_s=300))["status"] == "ready"
