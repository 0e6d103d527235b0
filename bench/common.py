"""Helpers shared by the benchmarks (not collected by pytest)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
MODEL_CACHE = ROOT / ".cache" / "models"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PeakRss:
    """Samples a process tree's resident memory every 50 ms and keeps the peak."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self._process, *self._process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


class Server:
    """``agentflow serve`` in a child process with its own data dir."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "AGENTFLOW_DATA_DIR": str(data_dir),
               "AGENTFLOW_EMBEDDING__CACHE_DIR": str(MODEL_CACHE), "AGENTFLOW_LOG_LEVEL": "warning",
               **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "agentflow.cli.main", "serve", "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise TimeoutError("server did not start")

    def upload(self, path: Path) -> str:
        with path.open("rb") as handle:
            response = httpx.post(f"{self.url}/v1/documents", timeout=120,
                                  files={"file": (path.name, handle, "application/pdf")})
        response.raise_for_status()
        return str(response.json()["documents"][0]["id"])

    def wait_ready(self, ids: list[str], timeout_s: float = 3600) -> list[dict[str, Any]]:
        """Follow each document's SSE stream to its end: no polling load on the server."""
        timeout = httpx.Timeout(30.0, read=timeout_s)
        for document_id in ids:
            url = f"{self.url}/v1/documents/{document_id}/events"
            with httpx.stream("GET", url, timeout=timeout) as response:
                for line in response.iter_lines():
                    if line.startswith("event: ready") or line.startswith("event: failed"):
                        break
        return [httpx.get(f"{self.url}/v1/documents/{i}", timeout=30).json() for i in ids]

    def chunk_texts(self) -> list[str]:
        """What the pipeline embedded for each chunk: its context line, then its text."""
        with sqlite3.connect(f"file:{self.data_dir / 'catalog.sqlite3'}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT body FROM chunks ORDER BY document_id, ordinal").fetchall()
        chunks = [json.loads(row[0]) for row in rows]
        return [f"{c['context']}\n{c['text']}" if c.get("context") else c["text"] for c in chunks]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2))
    return path
