"""A scripted OpenAI-compatible Chat Completions server on loopback, for the real SDKs to talk to.

A test queues ``Reply`` objects per model; each request to that model takes the next one (the
model's ``default`` when the queue is empty). Replies stream text at a fixed pace, call tools,
fail with an HTTP status, or wait before the first byte. Every request is recorded.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class ToolCall:
    name: str
    arguments: str  # raw JSON text, as a model emits it (may be malformed on purpose)


@dataclass
class Reply:
    """One scripted answer. ``text`` is split into ``chunk_chars`` pieces when streamed."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    status: int = 200  # anything else: an error body with this status
    first_delay_s: float = 0.0  # before the first byte (streamed) or the response
    token_delay_s: float = 0.0  # between streamed pieces
    chunk_chars: int = 4
    input_tokens: int = 100
    output_tokens: int | None = None  # default: one per piece
    finish_reason: str | None = None  # default: "stop", or "tool_calls"
    responder: Callable[[dict[str, Any]], Reply] | None = None  # decides from the request


@dataclass
class Recorded:
    model: str
    body: dict[str, Any]
    at: float


class ScriptedOpenAI:
    """``app`` serves ``POST /v1/chat/completions`` (streaming or not) and ``GET /v1/models``."""

    def __init__(self) -> None:
        self.queues: dict[str, deque[Reply]] = defaultdict(deque)
        self.defaults: dict[str, Reply] = {}
        self.requests: list[Recorded] = []
        self.app = Starlette(routes=[
            Route("/v1/chat/completions", self._completions, methods=["POST"]),
            Route("/v1/models", self._models, methods=["GET"]),
        ])

    def script(self, model: str, *replies: Reply) -> None:
        self.queues[model].extend(replies)

    def default(self, model: str, reply: Reply) -> None:
        self.defaults[model] = reply

    def calls(self, model: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if model is None or r.model == model]

    async def _models(self, request: Request) -> Response:
        names = sorted({*self.queues, *self.defaults})
        return JSONResponse({"object": "list", "data": [{"id": n, "object": "model"}
                                                         for n in names]})

    def _next(self, model: str) -> Reply:
        queue = self.queues.get(model)
        if queue:
            return queue.popleft()
        if model in self.defaults:
            return self.defaults[model]
        return Reply(status=404, text=f"model {model} is not scripted")

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        model = str(body.get("model"))
        self.requests.append(Recorded(model=model, body=body, at=time.perf_counter()))
        reply = self._next(model)
        if reply.responder is not None:
            reply = reply.responder(body)
        if reply.status != 200:
            await asyncio.sleep(reply.first_delay_s)
            return JSONResponse({"error": {"message": reply.text or "scripted failure",
                                           "type": "server_error", "code": None}},
                                status_code=reply.status)
        if body.get("stream"):
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(self._stream(model, reply, usage),
                                     media_type="text/event-stream")
        await asyncio.sleep(reply.first_delay_s)
        return JSONResponse(self._whole(model, reply))

    @staticmethod
    def _pieces(reply: Reply) -> list[str]:
        return [reply.text[i:i + reply.chunk_chars]
                for i in range(0, len(reply.text), reply.chunk_chars)]

    @staticmethod
    def _usage(reply: Reply, pieces: int) -> dict[str, int]:
        output = reply.output_tokens if reply.output_tokens is not None else max(pieces, 1)
        return {"prompt_tokens": reply.input_tokens, "completion_tokens": output,
                "total_tokens": reply.input_tokens + output}

    @staticmethod
    def _tool_calls(reply: Reply) -> list[dict[str, Any]]:
        return [{"index": i, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                 "function": {"name": call.name, "arguments": call.arguments}}
                for i, call in enumerate(reply.tool_calls)]

    def _finish(self, reply: Reply) -> str:
        return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")

    def _whole(self, model: str, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [{k: v for k, v in call.items() if k != "index"}
                                     for call in self._tool_calls(reply)]
        return {"id": "chatcmpl-scripted", "object": "chat.completion", "created": int(time.time()),
                "model": model, "choices": [{"index": 0, "message": message,
                                              "finish_reason": self._finish(reply)}],
                "usage": self._usage(reply, len(self._pieces(reply)))}

    async def _stream(self, model: str, reply: Reply, usage: bool) -> AsyncIterator[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            payload = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk",
                       "created": int(time.time()), "model": model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return f"data: {json.dumps(payload)}\n\n".encode()

        await asyncio.sleep(reply.first_delay_s)
        pieces = self._pieces(reply)
        yield chunk({"role": "assistant", "content": ""})
        for n, piece in enumerate(pieces):
            if n:
                await asyncio.sleep(reply.token_delay_s)
            yield chunk({"content": piece})
        if reply.tool_calls:
            yield chunk({"tool_calls": self._tool_calls(reply)})
        yield chunk({}, self._finish(reply))
        if usage:
            payload = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk",
                       "created": int(time.time()), "model": model, "choices": [],
                       "usage": self._usage(reply, len(pieces))}
            yield f"data: {json.dumps(payload)}\n\n".encode()
        yield b"data: [DONE]\n\n"
