"""SSE clients that connect and never read: the server's buffers stay bounded, the stream is
dropped once the client has taken nothing for ``limits.sse_stall_timeout_s``, and the work
behind the stream (the query) finishes for everyone else."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import httpx

from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings
from tests.integration.helpers import parse_sse, upload, wait_terminal
from tests.server import ServerProcess


async def test_a_stream_nobody_reads_is_dropped_after_the_stall_timeout(
        tmp_path: Path, embedder: Embedder, tiny_pdf: Path) -> None:
    settings = make_settings(tmp_path)
    settings.limits.sse_stall_timeout_s = 0.5
    app = create_app(container=build_container(settings, embedder=embedder))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        document = (await upload(client, tiny_pdf)).json()["documents"][0]
        await wait_terminal(client, document["id"])
        accepted = (await client.post("/v1/queries", json={"question": "information?"})).json()
        sent: list[dict[str, Any]] = []
        never_drained = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if not sent:
                return {"type": "http.request", "body": b"", "more_body": False}
            await never_drained.wait()  # the client never hangs up either
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body":
                await never_drained.wait()  # what a server's send does when nobody reads

        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
                 "http_version": "1.1", "method": "GET", "scheme": "http",
                 "path": f"/v1/queries/{accepted['id']}/stream", "raw_path": b"",
                 "query_string": b"", "root_path": "", "headers": [(b"host", b"test")],
                 "client": ("127.0.0.1", 5000), "server": ("test", 80), "state": {}}
        started = time.monotonic()
        await asyncio.wait_for(app(scope, receive, send), timeout=10)
        assert time.monotonic() - started < 5
        assert sent[0]["status"] == 200
        # One frame was offered and never taken; nothing else was produced for the stream.
        assert sum(m["type"] == "http.response.body" for m in sent) == 1
        for _ in range(100):  # the query itself finished regardless of its reader
            if (await client.get(f"/v1/queries/{accepted['id']}")).json()["status"] != "running":
                break
            await asyncio.sleep(0.1)
        view = (await client.get(f"/v1/queries/{accepted['id']}")).json()
        assert view["status"] == "completed", view


async def test_many_clients_that_never_read_do_not_stall_the_server(
        tmp_path: Path, tiny_pdf: Path) -> None:
    """Forty sockets ask for streams with a 1 KiB receive buffer and never read; the real
    server (uvicorn, its own process) keeps answering other clients promptly and the same."""
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log")
    server.start()
    sockets: list[socket.socket] = []
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            document = (await upload(client, tiny_pdf)).json()["documents"][0]
            await wait_terminal(client, document["id"])
            question = {"question": "What does the text say about information?", "stream": True}
            before = parse_sse((await client.post("/v1/queries", json=question)).text)
            body = b'{"question": "information?", "stream": true}'
            for _ in range(40):
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
                sock.connect(("127.0.0.1", server.port))
                sock.sendall(b"POST /v1/queries HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                sockets.append(sock)
            started = time.monotonic()
            assert (await client.get("/healthz")).status_code == 200
            assert time.monotonic() - started < 2
            after = parse_sse((await client.post("/v1/queries", json=question)).text)
            assert after[-1]["event"] == "done"
            assert after[-1]["data"]["answer"] == before[-1]["data"]["answer"]
    finally:
        for sock in sockets:
            sock.close()
        server.stop()
