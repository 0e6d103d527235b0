"""The user story so far, as a user runs it: start the server, ingest PDFs with the CLI,
watch them become ready and readable page by page."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server import ServerProcess


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data", tmp_path / "server.log")
    process.start()
    yield process
    process.stop()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentflow.cli.main", *args],
                          capture_output=True, text=True, timeout=600, check=False)


def test_serve_ingest_wait_and_read(server: ServerProcess, small_pdf: Path, tiny_pdf: Path,
                                    robustness_dir: Path) -> None:
    done = cli("ingest", "--url", server.url, "--wait", str(small_pdf), str(tiny_pdf))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("doc_") == 2 and "embedding" in done.stderr
    listed = httpx.get(f"{server.url}/v1/documents").json()["documents"]
    assert {d["status"] for d in listed} == {"ready"} and len(listed) == 2
    apple = next(d for d in listed if d["name"] == small_pdf.name)
    page = httpx.get(f"{server.url}/v1/documents/{apple['id']}/pages/1").json()
    assert "Apple" in page["text"] or "APPLE" in page["text"]

    again = cli("ingest", "--url", server.url, str(small_pdf))
    assert again.returncode == 0 and "(duplicate)" in again.stdout

    blank = cli("ingest", "--url", server.url, "--wait",
                str(robustness_dir / "ocrmypdf" / "blank.pdf"))
    assert blank.returncode == 1 and "failed:" in blank.stderr

    refused = cli("ingest", "--url", server.url, str(Path(__file__)))
    assert refused.returncode == 1 and "not_a_pdf" in refused.stderr


def test_serve_refuses_a_public_address_without_auth(tmp_path: Path) -> None:
    result = cli("serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path))
    assert result.returncode == 2 and "authentication off" in result.stderr


def test_the_whole_story_upload_ask_cite_and_see_the_page(server: ServerProcess,
                                                           small_pdf: Path) -> None:
    """Upload -> ready -> ask (CLI, streamed) -> cited answer -> the cited page, highlighted."""
    assert cli("ingest", "--url", server.url, "--wait", str(small_pdf)).returncode == 0
    asked = cli("ask", "--url", server.url, "What were the total net sales for the quarter?")
    assert asked.returncode == 0, asked.stderr
    answer, _, sources = asked.stdout.partition("\n\n")
    assert "[1]" in answer and "net sales" in answer.lower()
    assert f"[1] {small_pdf.name}, page " in sources and "confidence" in sources

    with httpx.stream("POST", f"{server.url}/v1/queries", timeout=30,
                      json={"question": "How much did Services net sales increase?"},
                      headers={"Accept": "text/event-stream"}) as response:
        body = "".join(response.iter_text())
    events = [block for block in body.split("\n\n") if block.startswith("id:")]
    assert "event: token" in body and events[-1].splitlines()[1] == "event: done"
    done = json.loads(events[-1].splitlines()[2].removeprefix("data: "))
    citation = done["citations"][0]
    query = httpx.get(f"{server.url}/v1/queries/{done['query_id']}").json()
    assert query["status"] == "completed" and query["citations"][0] == citation
    image = httpx.get(f"{server.url}/v1/documents/{citation['document_id']}/pages/"
                      f"{citation['page']}/image", params={"highlight": citation["quote"]})
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
