"""How many concurrent users the embedded server holds: Locust (tests/load/locustfile.py) at
growing user counts against one ``agentflow serve`` with the 20 SEC 10-Qs ingested.

Each step runs for ``--seconds`` with every user spawned at once; users wait 0.5-1.5 s between
questions and read every SSE stream to ``done``. Per step: answers/s, time to first token and to
done (p50/p95, client-side), failures, and the most SSE streams open at once. The answer is the
largest user count whose p95 time-to-done stays under 3 s with zero failures.

    make bench-load        # or: .venv/bin/python -m bench.load [--users 5,10,20,40,80] [--seconds 45]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, SHARED, Server, write_result

LOCUSTFILE = ROOT / "tests" / "load" / "locustfile.py"
SEC10Q = SHARED / "pdfs" / "real" / "sec10q"
SLO_MS = 3000.0


def _step(server: Server, users: int, seconds: int, out: Path) -> dict[str, Any]:
    prefix = out / f"users-{users}"
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", server.url,
         "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
         "--stop-timeout", "60", "--csv", str(prefix), "--only-summary"],
        check=False, capture_output=True, text=True, timeout=seconds + 600,
        env={**os.environ, "AGENTFLOW_LOAD_PDFS": str(SEC10Q)})
    with prefix.with_name(prefix.name + "_stats.csv").open() as handle:
        rows = {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}
    done, first = rows[("SSE", "time to done")], rows[("SSE", "time to first token")]
    streams = rows[("SSE", "open streams")]
    answers = int(done["Request Count"])
    return {
        "users": users, "answers": answers,
        "answers_per_s": round(float(done["Requests/s"]), 2),
        "failures": int(rows[("", "Aggregated")]["Failure Count"]),
        "done_p50_ms": float(done["50%"]), "done_p95_ms": float(done["95%"]),
        "first_token_p50_ms": float(first["50%"]), "first_token_p95_ms": float(first["95%"]),
        "peak_open_streams": int(float(streams["Max Response Time"])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", default="5,10,20,40,80")
    parser.add_argument("--seconds", type=int, default=45)
    args = parser.parse_args()
    steps = [int(n) for n in args.users.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "data")
        try:
            # Ingest the corpus first: the users' own uploads then find their 10-Q ready.
            subprocess.run([sys.executable, "-m", "agentflow.cli.main", "ingest", str(SEC10Q),
                            "--url", server.url, "--wait"], check=True, capture_output=True)
            for users in steps:
                result = _step(server, users, args.seconds, Path(tmp))
                results.append(result)
                print(f"{users:4} users: {result['answers_per_s']:6.2f} answers/s, done p50 "
                      f"{result['done_p50_ms']:6.0f} ms p95 {result['done_p95_ms']:6.0f} ms, "
                      f"first token p95 {result['first_token_p95_ms']:6.0f} ms, failures "
                      f"{result['failures']}, streams open at once {result['peak_open_streams']}",
                      flush=True)
        finally:
            server.stop()
    within = [r["users"] for r in results if r["done_p95_ms"] < SLO_MS and r["failures"] == 0]
    summary = {"steps": results, "seconds_per_step": args.seconds,
               "max_users_within_slo": max(within) if within else 0,
               "peak_open_streams": max(r["peak_open_streams"] for r in results)}
    print(f"largest user count with answer p95 < 3 s and no failure: "
          f"{summary['max_users_within_slo']}; most streams open at once: "
          f"{summary['peak_open_streams']}")
    write_result("load", summary)


if __name__ == "__main__":
    main()
