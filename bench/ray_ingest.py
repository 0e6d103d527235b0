"""Ray's overhead on ingestion: the same filings through ``agentflow serve`` with extraction on the
local process pool, then on Ray (``RAY_ADDRESS=local``: a Ray session inside the server).

Same machine, same run, same PDFs; reported as the Ray path's throughput relative to the embedded
path (issue 5's target: within 25%). Ray's start-up (``ray.init``) happens before the server
reports healthy and is not counted.

    .venv/bin/python -m bench.ray_ingest [--quick] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import SHARED, PeakRss, Server, write_result

SEC10Q = SHARED / "pdfs" / "real" / "sec10q"


def run_once(pdfs: list[Path], work: Path, env: dict[str, str]) -> dict[str, Any]:
    started_server = time.perf_counter()
    server = Server(work, env=env)
    startup = time.perf_counter() - started_server
    try:
        with PeakRss(server.process.pid) as rss:
            started = time.perf_counter()
            bodies = server.wait_ready([server.upload(pdf) for pdf in pdfs])
            elapsed = time.perf_counter() - started
    finally:
        server.stop()
    pages = sum(int(b["pages"] or 0) for b in bodies)
    chunks = sum(int(b["chunks"] or 0) for b in bodies)
    return {"seconds": round(elapsed, 2), "pages": pages, "chunks": chunks,
            "failed": [b["name"] for b in bodies if b["status"] != "ready"],
            "pages_per_s": round(pages / elapsed, 2), "chunks_per_s": round(chunks / elapsed, 2),
            "server_start_s": round(startup, 1), "peak_rss_mb": round(rss.peak / 2**20)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 filings instead of 20")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    pdfs = sorted(SEC10Q.glob("*.pdf"))[: 4 if args.quick else None]
    modes = {"embedded (process pool)": {}, "ray (RAY_ADDRESS=local)": {"RAY_ADDRESS": "local"}}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in modes}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for name, env in modes.items():  # interleaved, so noise hits both alike
                work = Path(tmp) / f"{round_}-{len(runs[name])}-{name.split()[0]}"
                runs[name].append(run_once(pdfs, work, env))
    best = {name: max(r["chunks_per_s"] for r in rs) for name, rs in runs.items()}
    embedded, ray = best.values()
    result = {"filings": len(pdfs), "runs": runs, "best_chunks_per_s": best,
              "ray_vs_embedded": round(ray / embedded, 3), "target": ">= 0.75"}
    print(json.dumps(result, indent=2))
    write_result("ray_ingest", result)


if __name__ == "__main__":
    main()
