"""Fault: the connection between an SSE client and the gateway drops in the middle of an
ingestion's event stream (a proxy between them dies). The client reconnects with
``Last-Event-ID`` and, with the streams in Redis, gets every event exactly once."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import httpx

from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings, redis_scope
from tests.integration.helpers import parse_sse, upload, wait_terminal
from tests.live import serving
from tests.server import free_port


class DroppingProxy:
    """A TCP proxy on loopback whose open connections can be cut at once (reset, mid-stream)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> DroppingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.cut()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers += [writer, up_writer]
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer),
                             return_exceptions=True)

    def cut(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await source.read(4096):
            sink.write(data)
            await sink.drain()
    sink.close()


async def _events(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                  cut_after: int | None = None, proxy: DroppingProxy | None = None,
                  ) -> tuple[list[dict[str, Any]], bool]:
    """The complete events read from ``url``; cuts the proxy after ``cut_after`` of them.
    Returns the events and whether the stream broke."""
    text, events = "", []
    try:
        async with client.stream("GET", url, headers=headers) as response:
            assert response.status_code == 200
            async for chunk in response.aiter_text():
                text += chunk
                complete, _, _ = text.rpartition("\n\n")
                events = parse_sse(complete) if complete else []
                if cut_after is not None and proxy is not None and len(events) >= cut_after:
                    proxy.cut()
    except (httpx.ReadError, httpx.RemoteProtocolError):
        return events, True
    return events, False


async def test_a_dropped_stream_resumes_with_every_event_exactly_once(
        tmp_path: Path, embedder: Embedder, small_pdf: Path) -> None:
    async with redis_scope() as (_, prefix):
        settings = make_settings(tmp_path, pages_per_extract_task=2, chunks_per_embed_task=4)
        settings.redis_url, settings.redis_prefix = "redis://127.0.0.1:6379/0", prefix
        app = create_app(container=build_container(settings, embedder=embedder))
        async with serving(app) as base, DroppingProxy(int(base.rsplit(":", 1)[1])) as proxy, \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{proxy.port}",
                                  timeout=120) as client:
            document = (await upload(client, small_pdf)).json()["documents"][0]
            url = f"/v1/documents/{document['id']}/events"
            before, broke = await _events(client, url, {}, cut_after=3, proxy=proxy)
            assert broke, "the stream should have been cut mid-way"
            assert before and before[-1]["event"] != "ready"
            after, broke = await _events(client, url, {"Last-Event-ID": before[-1]["id"]})
            assert not broke and after[-1]["event"] == "ready"
            assert (await wait_terminal(client, document["id"]))["status"] == "ready"
            replay, _ = await _events(client, url, {})
        ids = [event["id"] for event in before + after]
        assert len(ids) == len(set(ids)), "an event arrived twice"
        assert ids == [event["id"] for event in replay], "an event was lost"
        assert len(replay) > 6  # the stream really had events on both sides of the cut
