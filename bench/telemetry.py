"""What tracing costs: the same server with spans off (``OTEL_SDK_DISABLED=true``), on (made,
not exported: the default), and on with OTLP/HTTP export to a loopback sink, side by side.

Each server gets its own data dir with the same 10-Q ingested; rounds alternate between them
(one client, sequential): ``GET /v1/documents/{id}`` (a light request, where per-request
overhead shows most) and a streamed answer. Ratios are against the spans-off server in the same
run. Metrics are on in every mode (they cannot be switched off).

    .venv/bin/python -m bench.telemetry [--rounds 5] [--per-round 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from agentflow.domain.monitoring import percentile
from bench.common import SHARED, Server, free_port, write_result

QUESTION = "What was Apple's total net sales in the quarter?"


class _Sink(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:  # the http.server API names it
        self.rfile.read(int(self.headers.get("content-length", 0)))
        _Sink.received += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        return None


def _ingest(server: Server, pdf: Path) -> str:
    with httpx.Client(base_url=server.url, timeout=300) as client:
        document = client.post("/v1/documents", files=[
            ("file", (pdf.name, pdf.read_bytes(), "application/pdf"))]).json()["documents"][0]
        while client.get(f"/v1/documents/{document['id']}").json()["status"] != "ready":
            time.sleep(0.2)
        return str(document["id"])


def _round(server: Server, document_id: str, n: int) -> tuple[list[float], list[float]]:
    light, answers = [], []
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for _ in range(n):
            started = time.perf_counter()
            client.get(f"/v1/documents/{document_id}").raise_for_status()
            light.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            response = client.post("/v1/queries", json={"question": QUESTION, "stream": True})
            assert "event: done" in response.text, response.text[-300:]
            answers.append((time.perf_counter() - started) * 1000)
    return light, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=20)
    args = parser.parse_args()
    sink_port = free_port()
    sink = ThreadingHTTPServer(("127.0.0.1", sink_port), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    pdf = next(p for p in sorted((SHARED / "pdfs" / "real" / "sec10q").glob("*.pdf"))
               if "AAPL" in p.name.upper())
    modes = {"spans off": {"OTEL_SDK_DISABLED": "true"}, "spans on": {},
             "spans exported": {"AGENTFLOW_TELEMETRY__OTLP_ENDPOINT":
                                f"http://127.0.0.1:{sink_port}"}}
    results: dict[str, dict[str, list[float]]] = {m: {"light": [], "answer": []} for m in modes}
    with tempfile.TemporaryDirectory() as tmp:
        servers = {mode: Server(Path(tmp) / mode.replace(" ", "-"), env=env)
                   for mode, env in modes.items()}
        try:
            ids = {mode: _ingest(server, pdf) for mode, server in servers.items()}
            for mode, server in servers.items():  # warm-up
                _round(server, ids[mode], 3)
            for _ in range(args.rounds):
                for mode, server in servers.items():
                    light, answers = _round(server, ids[mode], args.per_round)
                    results[mode]["light"] += light
                    results[mode]["answer"] += answers
        finally:
            for server in servers.values():
                server.stop()
    sink.shutdown()
    base = results["spans off"]
    summary: dict[str, Any] = {"pdf": pdf.name, "rounds": args.rounds,
                               "per_round": args.per_round, "otlp_posts": _Sink.received}
    for mode, figures in results.items():
        row = {}
        for kind in ("light", "answer"):
            p50 = statistics.median(figures[kind])
            row[f"{kind}_p50_ms"] = round(p50, 2)
            row[f"{kind}_p95_ms"] = round(percentile(figures[kind], 95), 2)
            row[f"{kind}_p50_ratio"] = round(p50 / statistics.median(base[kind]), 3)
        summary[mode] = row
        print(f"{mode:15} light p50 {row['light_p50_ms']:7.2f} ms (x{row['light_p50_ratio']})  "
              f"answer p50 {row['answer_p50_ms']:7.2f} ms (x{row['answer_p50_ratio']})")
    print(f"OTLP POSTs received by the sink: {_Sink.received}")
    write_result("telemetry", summary)


if __name__ == "__main__":
    main()
