"""Request guards in front of every route (pure ASGI, so streamed responses pass untouched):
JSON bodies are bounded in size (1 MiB) and nesting depth (64) before any parser sees them,
every response carries the security headers, and with authentication off only requests that
reached the server on a loopback address are served.

``json.loads`` recurses once per nesting level, so a body of 100,000 ``[`` would reach
Python's recursion limit inside the parser (a 500); the depth is counted here first.
"""

from __future__ import annotations

import ipaddress

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentflow.gateway.problems import problem
from agentflow.gateway.response_hooks import on_response_start

log = structlog.get_logger(__name__)
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, strings skipped (no parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest





def _loopback(host: object) -> bool:
    """Whether a server address is loopback. Real servers give the socket's IP address; a
    Unix socket path or an in-process transport's host name is no network exposure."""
    if not isinstance(host, str):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


class LoopbackOnly:
    """With authentication off, refuse what arrives on a non-loopback address. The settings'
    check refuses a non-loopback ``host`` at start-up, but a server started another way
    (``uvicorn --factory ... --host 0.0.0.0``) binds where it is told, unseen by the app:
    this is what keeps such a server from serving the network unauthenticated."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or (None, None)
        if scope["type"] in ("http", "websocket") and not _loopback(server[0]):
            log.error("refused_unauthenticated_network_request", server=str(server[0]))
            refused = problem(
                403, "forbidden", "Forbidden",
                "authentication is off, so this server answers on loopback addresses only; "
                "set AGENTFLOW_AUTH__ENABLED=true to serve the network")
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)


class RequestGuards:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        def secure(_status: int, headers: MutableHeaders) -> None:
            for name, value in SECURITY_HEADERS.items():
                headers.setdefault(name, value)

        secured = on_response_start(send, secure)

        headers = Headers(scope=scope)
        is_json = headers.get("content-type", "").split(";")[0].strip().endswith("json")
        if not is_json or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, secured)
            return
        body, problem = await self._read_json(headers, receive)
        if problem is not None:
            await problem(scope, receive, secured)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, secured)

    async def _read_json(self, headers: Headers,
                         receive: Receive) -> tuple[bytes, JSONResponse | None]:
        too_large = problem(413, "payload_too_large", "Payload too large",
                             f"JSON bodies are limited to {MAX_JSON_BYTES} bytes")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
            return b"", too_large
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"", problem(400, "bad_request", "Bad request", "the client went away")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_JSON_BYTES:
                return b"", too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_depth(body) > MAX_JSON_DEPTH:
            return body, problem(400, "invalid_input", "Invalid input",
                                  f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return body, None
