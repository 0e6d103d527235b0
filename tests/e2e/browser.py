"""Headless Chromium (Debian's ``chromium``, driven by Playwright) watching a console page:
console errors, uncaught exceptions and any request to a host other than loopback are recorded,
and a test ends by asserting there were none."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    WebSocket,
    sync_playwright,
)
from starlette.types import ASGIApp

ARTIFACTS = Path(os.environ.get("AGENTFLOW_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Records every piece of an answer as it streams in and every progress line a document row
# showed.
RECORD_STEPS = """
window.__answerSteps = [];
window.__progressLines = new Set();
new MutationObserver((records) => {
  for (const record of records) {
    // While streaming, each token is appended on its own; the final answer replaces them all.
    const answer = record.target.closest && record.target.closest(".answer");
    if (answer && record.addedNodes.length === 1 && record.removedNodes.length === 0) {
      window.__answerSteps.push(record.addedNodes[0].textContent);
    }
  }
  for (const line of document.querySelectorAll(".progress-text")) {
    window.__progressLines.add(line.textContent);
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def chromium_path() -> str:
    """Debian's Chromium; CI installs it (``.ci/run``), so there it must be present."""
    path = os.environ.get("AGENTFLOW_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("no chromium here (apt-get install chromium); CI installs it")
    return path


@dataclass
class WatchedPage:
    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"console-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self, allowed_console: tuple[str, ...] = ()) -> None:
        errors = [e for e in self.console_errors if not any(a in e for a in allowed_console)]
        assert errors == [], errors
        assert self.page_errors == [], self.page_errors
        assert self.foreign_requests == [], self.foreign_requests


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(browser: Browser, *, width: int = 1200, height: int = 900
                 ) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  accept_downloads=False)
    context.add_init_script(RECORD_STEPS)
    page = context.new_page()
    page.set_default_timeout(60_000)
    watched = WatchedPage(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(message.text)

    def on_request(request: Request) -> None:
        watched.urls.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            watched.foreign_requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
    page.on("request", on_request)

    def on_websocket(socket: WebSocket) -> None:
        watched.websockets.append(socket.url)
        watched.urls.append(socket.url)
        if urlsplit(socket.url).hostname not in LOOPBACK:
            watched.foreign_requests.append(socket.url)

    page.on("websocket", on_websocket)
    try:
        yield watched
    finally:
        context.close()


@contextmanager
def serving_in_thread(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` on a loopback port from a background thread (the browser tests are
    synchronous; a scripted model server must answer while they wait)."""
    import threading
    import time

    import uvicorn

    from tests.server import free_port

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                            access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the scripted server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(30)
