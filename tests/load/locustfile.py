"""Locust load for AgentFlow: users that upload a PDF, wait until it is ready, then ask
questions and read each answer's SSE stream to the end.

Besides the HTTP requests, every answer reports two timings of its own (request type ``SSE``):
``time to first token`` and ``time to done`` (client-side, from sending the question), and
``open streams``, sampled as each stream opens (its "response time" field carries the number of
streams open then: the maximum is the most this run held at once). A stream that ends in an
``error`` event, or without ``done``, is a failure.

    locust -f tests/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 10 -r 2 -t 1m

``AGENTFLOW_API_KEY`` is sent as the bearer token when set; ``AGENTFLOW_LOAD_PDFS`` names a folder
of PDFs to upload (default: the SEC 10-Qs in ../shared/data).
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

DEFAULT_PDFS = Path(__file__).resolve().parents[3] / "shared" / "data" / "pdfs" / "real" / "sec10q"
PDFS = sorted(Path(os.environ.get("AGENTFLOW_LOAD_PDFS", DEFAULT_PDFS)).glob("*.pdf"))
COMPANIES = {"AAPL": "Apple", "AMZN": "Amazon", "INTC": "Intel", "MSFT": "Microsoft",
             "NVDA": "NVIDIA"}
QUESTIONS = ["What was {c}'s total revenue in the quarter?",
             "How much cash and cash equivalents did {c} report?",
             "What are the main risk factors {c} describes?",
             "How did {c}'s operating income change compared to last year?"]
_next_pdf = itertools.count()
_streams = {"open": 0, "peak": 0}
_lock = threading.Lock()


def _company(pdf: Path) -> str:
    return next((name for ticker, name in COMPANIES.items() if ticker in pdf.name.upper()),
                "the company")


class Reader(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        key = os.environ.get("AGENTFLOW_API_KEY")
        if key:
            self.client.headers["Authorization"] = f"Bearer {key}"
        pdf = PDFS[next(_next_pdf) % len(PDFS)]
        self.company = _company(pdf)
        with pdf.open("rb") as handle:
            response = self.client.post("/v1/documents", name="/v1/documents",
                                        files={"file": (pdf.name, handle, "application/pdf")})
        document = response.json()["documents"][0]
        deadline = time.monotonic() + 600
        while document["status"] not in ("ready", "failed") and time.monotonic() < deadline:
            time.sleep(1)
            document = self.client.get(f"/v1/documents/{document['id']}",
                                       name="/v1/documents/[id]").json()
        if document["status"] != "ready":
            raise RuntimeError(f"{pdf.name} ended {document['status']}")

    @task
    def ask(self) -> None:
        question = random.choice(QUESTIONS).format(c=self.company)
        started = time.perf_counter()
        first: float | None = None
        outcome: str | None = None
        with _lock:
            _streams["open"] += 1
            _streams["peak"] = max(_streams["peak"], _streams["open"])
            open_now = _streams["open"]
        self._report("open streams", open_now)  # its max is the most held at once
        try:
            with self.client.post("/v1/queries", json={"question": question, "stream": True},
                                  name="/v1/queries (SSE)", stream=True,
                                  catch_response=True) as response:
                for line in response.iter_lines():
                    if line.startswith(b"event: "):
                        event = line[7:].decode()
                        if event == "token" and first is None:
                            first = time.perf_counter()
                        if event in ("done", "error"):
                            outcome = event
                if outcome != "done":
                    response.failure(f"the stream ended with {outcome or 'no final event'}")
                else:
                    response.success()
        finally:
            with _lock:
                _streams["open"] -= 1
        done = time.perf_counter()
        if outcome == "done":
            self._report("time to first token", ((first or done) - started) * 1000)
            self._report("time to done", (done - started) * 1000)

    def _report(self, name: str, ms: float) -> None:
        events.request.fire(request_type="SSE", name=name, response_time=ms,
                            response_length=0, exception=None, context={})


@events.test_stop.add_listener
def _peak_streams(environment: Any, **_: Any) -> None:
    print(f"peak open SSE streams: {_streams['peak']}", flush=True)
