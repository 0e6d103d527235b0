"""The Locust load in CI-sized form: a few users against a real ``agentflow serve`` for tens of
seconds, each uploading a 10-Q, waiting until it is ready, then asking and reading every SSE
stream to its end. Zero failures; every kind of request was made."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.server import ServerProcess

LOCUSTFILE = Path(__file__).resolve().parents[1] / "load" / "locustfile.py"


def test_a_small_locust_load_has_no_failures(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log")
    server.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", server.url,
             "--headless", "-u", "3", "-r", "3", "-t", "30s", "--stop-timeout", "30",
             "--csv", str(tmp_path / "load"), "--exit-code-on-error", "1", "--only-summary"],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "AGENTFLOW_LOAD_PDFS": str(LOCUSTFILE.parents[3] / "shared" /
                                                      "data" / "pdfs" / "real" / "sec10q")})
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with (tmp_path / "load_stats.csv").open() as handle:
        rows = {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}
    assert int(rows[("", "Aggregated")]["Failure Count"]) == 0
    assert int(rows[("POST", "/v1/documents")]["Request Count"]) >= 3
    answers = int(rows[("POST", "/v1/queries (SSE)")]["Request Count"])
    assert answers >= 3
    assert int(rows[("SSE", "time to done")]["Request Count"]) == answers
    assert float(rows[("SSE", "time to first token")]["Median Response Time"]) > 0
    assert float(rows[("SSE", "open streams")]["Max Response Time"]) >= 1
