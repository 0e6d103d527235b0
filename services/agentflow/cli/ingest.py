"""``agentflow ingest PATH... [--wait]``: upload to a running server, a progress bar per file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from agentflow.cli.credentials import auth_headers

_BAR = 24


def _pdfs(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf"))
        else:
            found.append(path)
    return found


def _bar(name: str, data: dict[str, Any]) -> str:
    progress = data.get("progress", data)
    done, total = int(progress.get("done", 0)), int(progress.get("total", 0))
    filled = int(_BAR * done / total) if total else 0
    stage = progress.get("stage", "queued")
    return f"{name[:40]:40} [{'#' * filled}{'.' * (_BAR - filled)}] {stage} {done}/{total}"


def _follow(client: httpx.Client, document_id: str, name: str, deadline: float) -> str:
    """Print progress until the document is ready or failed; returns the final status."""
    tty = sys.stderr.isatty()
    event, status = "", "processing"
    with client.stream("GET", f"/v1/documents/{document_id}/events",
                       timeout=httpx.Timeout(10.0, read=max(1.0, deadline - time.monotonic()))
                       ) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = json.loads(line.split(":", 1)[1])
                text = _bar(name, data)
                print(("\r" + text) if tty else text, end="" if tty else "\n", file=sys.stderr,
                      flush=True)
                if event in ("ready", "failed"):
                    status = event
                    if event == "failed" and data.get("error"):
                        print(f"\n  failed: {data['error'].get('message')}", file=sys.stderr)
                    break
    if tty:
        print(file=sys.stderr)
    return status


def ingest_paths(url: str, paths: list[Path], *, wait: bool, timeout_s: float) -> int:
    files = _pdfs(paths)
    if not files:
        print("agentflow: no PDF files found", file=sys.stderr)
        return 2
    failures = 0
    deadline = time.monotonic() + timeout_s
    uploaded: list[tuple[str, str]] = []
    with httpx.Client(base_url=url, timeout=httpx.Timeout(60.0),
                      headers=auth_headers()) as client:
        for path in files:
            try:
                with path.open("rb") as handle:
                    response = client.post("/v1/documents",
                                           files={"file": (path.name, handle, "application/pdf")})
            except (OSError, httpx.HTTPError) as exc:
                print(f"{path}: {exc}", file=sys.stderr)
                failures += 1
                continue
            if response.status_code != 202:
                problem = response.json() if response.headers.get("content-type", "").endswith(
                    "json") else {"detail": response.text}
                print(f"{path}: {problem.get('code', response.status_code)}: "
                      f"{problem.get('detail')}", file=sys.stderr)
                failures += 1
                continue
            for document in response.json()["documents"]:
                note = " (duplicate)" if document["duplicate_of"] else ""
                print(f"{path.name}: {document['id']} {document['status']}{note}")
                uploaded.append((document["id"], path.name))
        if wait:
            for document_id, name in uploaded:
                if _follow(client, document_id, name, deadline) != "ready":
                    failures += 1
    return 1 if failures else 0
