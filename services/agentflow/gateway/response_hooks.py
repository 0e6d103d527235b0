"""One way for plain-ASGI middleware to touch a response's status line and headers without
buffering its body (streamed responses and SSE pass through untouched)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Send

StartHook = Callable[[int, MutableHeaders], None]


def on_response_start(send: Send, hook: StartHook) -> Send:
    """A ``send`` that shows ``hook`` the status and (mutable) headers of the response's start
    message before passing every message on."""

    async def hooked(message: Message) -> None:
        if message["type"] == "http.response.start":
            hook(message["status"], MutableHeaders(scope=message))
        await send(message)

    return hooked
