"""The web console: ``/`` serves its page and ``/console/*`` its scripts and styles, all shipped
in the package (nothing is fetched from elsewhere at run time). The console talks to the API only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from agentflow.gateway.deps import SettingsDep
from agentflow.gateway.response_hooks import on_response_start

ASSETS = Path(__file__).resolve().parents[1] / "console"
ASSETS_PATH = "/console"
# The page may load its own scripts, styles and images (page images arrive as blob: URLs, since
# they are fetched with the caller's credentials) and call its own origin; nothing else.
CONSOLE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
               "img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")
_REVALIDATE = {"Cache-Control": "no-cache"}  # a new release is picked up at once (ETag)

router = APIRouter(include_in_schema=False)


@cache
def _page() -> str:
    return (ASSETS / "index.html").read_text(encoding="utf-8")


@router.api_route("/", methods=["GET", "HEAD"])
async def console_page(settings: SettingsDep) -> HTMLResponse:
    """The console's single page; it is told whether to ask for a key (auth on) up front."""
    auth = "on" if settings.auth.enabled else "off"
    return HTMLResponse(_page().replace("{{auth}}", auth),
                        headers={**_REVALIDATE, "Content-Security-Policy": CONSOLE_CSP})


class ConsoleAssets(StaticFiles):
    """The console's scripts and styles, revalidated on every load."""

    def __init__(self) -> None:
        super().__init__(directory=ASSETS, check_dir=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        def revalidate(_status: int, headers: MutableHeaders) -> None:
            headers.update(_REVALIDATE)

        await super().__call__(scope, receive, on_response_start(send, revalidate))
