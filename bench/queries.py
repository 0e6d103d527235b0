"""Query latency and concurrency over >= 100,000 indexed chunks, through the HTTP API.

The index is built once and cached in ``.cache/bench-queries`` (every step through the API):
the SciFact abstracts typeset into PDFs (one abstract a page) and the other real PDFs are ingested
with 20-word-piece chunks, which brings the index past 100,000 chunks of real text with real
embeddings in minutes; the 20 SEC 10-Qs the questions are about are ingested with the default
full-window chunks. Then, against one ``agentflow serve``:

- the baseline: ``GET /healthz`` round trips, and the index's own hybrid search in-process on
  the same data (the floor an answer cannot beat);
- one client: time to the first ``token`` event and to ``done`` (client-side, p50/p95);
- 50 concurrent clients streaming answers: answers/s, p50/p95, errors.

    make bench-queries          # or: .venv/bin/python -m bench.queries [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pymupdf

from agentflow.domain.monitoring import percentile
from bench.common import ROOT, SHARED, Server, write_result

CACHE = ROOT / ".cache" / "bench-queries-v1"
COMPANIES = {"AAPL": "Apple", "AMZN": "Amazon", "INTC": "Intel", "MSFT": "Microsoft",
             "NVDA": "NVIDIA"}
TEMPLATES = [
    "What was {c}'s total revenue in the quarter?",
    "How much cash and cash equivalents did {c} report?",
    "What are the main risk factors {c} describes?",
    "How did {c}'s operating income change compared to last year?",
    "What was {c}'s effective tax rate?",
    "How much did {c} spend on research and development?",
    "What did {c} say about share repurchases?",
    "What legal proceedings is {c} involved in?",
]
QUESTIONS = [t.format(c=c) for t in TEMPLATES for c in COMPANIES.values()]


def scifact_pdfs(target: Path, per_pdf: int = 100) -> list[Path]:
    """SciFact abstracts typeset one per page, ``per_pdf`` pages a file."""
    lines = (SHARED / "scifact" / "corpus.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    paths = []
    for start in range(0, len(entries), per_pdf):
        document = pymupdf.open()
        for entry in entries[start:start + per_pdf]:
            page = document.new_page()
            text = f"{entry.get('title', '')}\n\n{entry.get('text', '')}"
            for size in (8, 6, 4):  # a negative return means it did not fit and wrote nothing
                if page.insert_textbox(pymupdf.Rect(40, 40, 555, 800), text, fontsize=size) >= 0:
                    break
        path = target / f"scifact-{start // per_pdf:03d}.pdf"
        document.save(path)
        paths.append(path)
    return paths


def build(data_dir: Path) -> dict[str, Any]:
    """Ingest the corpus into ``data_dir`` through the API; returns what was indexed."""
    filler_dir = Path(tempfile.mkdtemp(prefix="agentflow-filler-"))
    filler = [*scifact_pdfs(filler_dir), *sorted((SHARED / "pdfs" / "real").glob("*.pdf")),
              *sorted((SHARED / "financebench-dev" / "pdfs").glob("*.pdf"))]
    started = time.perf_counter()
    server = Server(data_dir, env={"AGENTFLOW_INGEST__CHUNK_TOKENS": "20"})
    try:
        bodies = server.wait_ready([server.upload(pdf) for pdf in filler])
    finally:
        server.stop()
        shutil.rmtree(filler_dir, ignore_errors=True)
    server = Server(data_dir)
    try:
        filings = sorted((SHARED / "pdfs" / "real" / "sec10q").glob("*.pdf"))
        bodies += server.wait_ready([server.upload(pdf) for pdf in filings])
    finally:
        server.stop()
    return {"documents": len(bodies), "chunks": sum(int(b["chunks"] or 0) for b in bodies),
            "pages": sum(int(b["pages"] or 0) for b in bodies),
            "build_seconds": round(time.perf_counter() - started, 1)}


async def ask(client: httpx.AsyncClient, question: str) -> tuple[float, float, bool]:
    """(seconds to the first token, seconds to done, ok) for one streamed answer."""
    started = time.perf_counter()
    first = done = 0.0
    ok = False
    async with client.stream("POST", "/v1/queries",
                             json={"question": question, "stream": True}) as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
                if event == "token" and not first:
                    first = time.perf_counter() - started
                elif event == "done":
                    done, ok = time.perf_counter() - started, True
                elif event == "error":
                    break
    return first, done, ok and response.status_code == 200


async def sequential(url: str, rounds: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        health = []
        for _ in range(50):
            started = time.perf_counter()
            (await client.get("/healthz")).raise_for_status()
            health.append(time.perf_counter() - started)
        for question in QUESTIONS[:5]:  # warm-up
            await ask(client, question)
        firsts, totals, errors = [], [], 0
        for i in range(rounds):
            first, total, ok = await ask(client, QUESTIONS[i % len(QUESTIONS)])
            errors += not ok
            if ok:
                firsts.append(first)
                totals.append(total)
    return {"queries": rounds, "errors": errors,
            "healthz_p50_ms": 1000 * statistics.median(health),
            "first_token_p50_ms": 1000 * statistics.median(firsts),
            "first_token_p95_ms": 1000 * percentile(firsts, 95),
            "done_p50_ms": 1000 * statistics.median(totals),
            "done_p95_ms": 1000 * percentile(totals, 95)}


async def concurrent(url: str, clients: int, per_client: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=clients + 10)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        async def one_client(n: int) -> list[tuple[float, float, bool]]:
            return [await ask(client, QUESTIONS[(n * 7 + i) % len(QUESTIONS)])
                    for i in range(per_client)]

        started = time.perf_counter()
        results = [r for rs in await asyncio.gather(*(one_client(n) for n in range(clients)))
                   for r in rs]
        elapsed = time.perf_counter() - started
    ok = [r for r in results if r[2]]
    return {"clients": clients, "queries": len(results), "errors": len(results) - len(ok),
            "seconds": elapsed, "answers_per_s": len(ok) / elapsed,
            "first_token_p95_ms": 1000 * percentile([r[0] for r in ok], 95),
            "done_p50_ms": 1000 * statistics.median([r[1] for r in ok]),
            "done_p95_ms": 1000 * percentile([r[1] for r in ok], 95)}


async def search_floor(data_dir: Path, rounds: int) -> dict[str, Any]:
    """The index's own hybrid search (embedding included), in-process on the same data."""
    from agentflow.runtime.container import build_container
    from agentflow.settings import EmbeddingSettings, Settings
    from bench.common import MODEL_CACHE

    container = build_container(Settings(data_dir=data_dir, log_level="warning",
                                         embedding=EmbeddingSettings(cache_dir=MODEL_CACHE)))
    await container.start()
    try:
        for question in QUESTIONS[:5]:
            await container.search.hybrid_search("default", question)
        times = []
        for i in range(rounds):
            started = time.perf_counter()
            await container.search.hybrid_search("default", QUESTIONS[i % len(QUESTIONS)])
            times.append(time.perf_counter() - started)
        chunks = await container.index.count("default")
    finally:
        await container.close()
    return {"chunks_indexed": chunks, "search_p50_ms": 1000 * statistics.median(times),
            "search_p95_ms": 1000 * percentile(times, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=6)
    args = parser.parse_args()
    os.environ.setdefault("AGENTFLOW_LOG_LEVEL", "warning")
    data_dir = CACHE / "data"
    if args.rebuild or not (CACHE / "built.json").exists():
        shutil.rmtree(CACHE, ignore_errors=True)
        built = build(data_dir)
        (CACHE / "built.json").write_text(json.dumps(built))
    result: dict[str, Any] = {"index": json.loads((CACHE / "built.json").read_text())}
    result["floor"] = asyncio.run(search_floor(data_dir, args.rounds))
    server = Server(data_dir)
    try:
        result["one_client"] = asyncio.run(sequential(server.url, args.rounds))
        result["concurrent"] = asyncio.run(concurrent(server.url, args.clients, args.per_client))
    finally:
        server.stop()
    one = result["one_client"]
    result["first_token_p95_vs_search_p95"] = (one["first_token_p95_ms"]
                                               / result["floor"]["search_p95_ms"])
    path = write_result("queries", result)
    print(json.dumps(result, indent=2))
    print(f"\nfull results: {path}")


if __name__ == "__main__":
    main()
