"""A crash mid-ingestion loses nothing: a restarted server resumes unfinished documents."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data", tmp_path / "server.log")
    yield process
    process.stop()


def statuses(url: str, ids: list[str]) -> dict[str, str]:
    return {i: httpx.get(f"{url}/v1/documents/{i}", timeout=30).json()["status"] for i in ids}


def test_kill_during_ingestion_then_resume(server: ServerProcess, sec10q_dir: Path) -> None:
    server.start()
    paths = sorted(sec10q_dir.glob("*.pdf"))[:3]
    ids = []
    for path in paths:
        with path.open("rb") as handle:
            response = httpx.post(f"{server.url}/v1/documents", timeout=60,
                                  files={"file": (path.name, handle, "application/pdf")})
        ids.append(response.json()["documents"][0]["id"])
    deadline = time.monotonic() + 60
    while "processing" not in statuses(server.url, ids).values():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server.kill()

    server.start()
    before = statuses(server.url, ids)
    assert set(before.values()) & {"pending", "processing"}, before  # work was cut off
    deadline = time.monotonic() + 300
    while set(statuses(server.url, ids).values()) != {"ready"}:
        assert time.monotonic() < deadline, statuses(server.url, ids)
        time.sleep(0.5)
    for document_id, path in zip(ids, paths, strict=True):
        body = httpx.get(f"{server.url}/v1/documents/{document_id}").json()
        assert body["chunks"] > 0 and body["progress"]["stage"] == "done"
        events = httpx.get(f"{server.url}/v1/documents/{document_id}/events", timeout=30).text
        assert "event: ready" in events
        original = httpx.get(f"{server.url}/v1/documents/{document_id}/file", timeout=30)
        assert original.content == path.read_bytes()
