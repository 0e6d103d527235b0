"""The console with auth on, on a phone-width screen, driven by the keyboard: a key entered once
is kept in session storage only (never in a URL, a cookie or local storage), the admin view
follows the role, and every view fits 390 px without sideways scrolling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import MODEL_CACHE, shared
from tests.e2e.browser import watched_page
from tests.server import ServerProcess

PHONE = {"width": 390, "height": 844}


def create_key(data_dir: Path, tenant: str, role: str) -> str:
    env = {**os.environ, "AGENTFLOW_DATA_DIR": str(data_dir),
           "AGENTFLOW_EMBEDDING__CACHE_DIR": str(MODEL_CACHE)}
    if tenant != "default":
        subprocess.run([sys.executable, "-m", "agentflow.cli.main", "admin", "create-tenant",
                        tenant], env=env, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "agentflow.cli.main", "admin", "create-key",
                          "--tenant", tenant, "--role", role],
                         env=env, check=True, capture_output=True, text=True).stdout
    key: str = json.loads(out)["key"]
    return key


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, dict[str, str]]]:
    root = tmp_path_factory.mktemp("console-auth")
    data = root / "data"
    data.mkdir()
    keys = {"user": create_key(data, "default", "user"),
            "colleague": create_key(data, "default", "user"),
            "tenant-admin": create_key(data, "acme", "admin")}
    process = ServerProcess(data, root / "server.log", env={"AGENTFLOW_AUTH__ENABLED": "true"})
    process.start()
    try:
        yield process, keys
    finally:
        process.stop()


def fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width}px wide on a {PHONE['width']}px screen"


def sign_in(page: Page, key: str) -> None:
    page.locator("#credential").focus()
    page.keyboard.type(key)
    page.keyboard.press("Enter")


def test_a_key_entered_once_on_a_phone_with_the_keyboard_only(
        browser: Browser, secured: tuple[ServerProcess, dict[str, str]]) -> None:
    server, keys = secured
    paper = shared("pdfs", "real", "DeepSeek_R1.pdf")
    with watched_page(browser, **PHONE) as console:
        page = console.page
        page.goto(f"{server.url}/")
        # Asked for a key up front: no API call was made without one.
        expect(page.locator("#signin")).to_be_visible()
        expect(page.locator(".tabs")).to_be_hidden()
        assert not [u for u in console.urls if "/v1/" in u]
        fits_the_screen(page)
        expect(page.locator("#credential")).to_be_focused()

        sign_in(page, "af_not-a-real-key")
        expect(page.locator("#signin-error")).to_contain_text("not accepted")
        assert page.evaluate("sessionStorage.length") == 0

        sign_in(page, keys["user"])
        expect(page.locator("#who")).to_have_text("default · user")
        expect(page.get_by_role("tab", name="Admin")).to_be_hidden()  # role user
        storage = page.evaluate("({session: {...sessionStorage}, local: localStorage.length})")
        assert list(storage["session"].values()) == [keys["user"]] and storage["local"] == 0
        assert page.context.cookies() == []
        fits_the_screen(page)

        page.set_input_files("#file-input", [str(paper)])
        expect(page.locator("#documents li.doc[data-status=ready]")).to_be_visible(
            timeout=180_000)
        fits_the_screen(page)
        console.screenshot("phone-library")

        # Keyboard: arrow keys move between tabs; Enter in the question box asks.
        page.get_by_role("tab", name="Library").focus()
        page.keyboard.press("ArrowRight")
        expect(page.get_by_role("tab", name="Ask")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#view-ask")).to_be_visible()
        expect(page.locator("#question")).to_be_focused()
        page.keyboard.type("How does DeepSeek-R1-Zero learn to reason?")
        page.keyboard.press("Enter")
        turn = page.locator("article.turn").first
        expect(turn.locator(".meta .confidence")).to_be_visible()
        fits_the_screen(page)
        permalink = turn.locator("a.permalink").get_attribute("href") or ""
        answer = turn.locator(".answer").inner_text()
        # Tab to the first citation and open it with Enter: the page image comes with the key.
        marker = turn.locator(".answer button.cite").first
        marker.focus()
        with page.expect_response(lambda r: "/image?" in r.url) as image:
            page.keyboard.press("Enter")
        assert image.value.status == 200
        assert image.value.request.headers["authorization"] == f"Bearer {keys['user']}"
        expect(page.locator("#viewer-image")).to_be_visible()
        fits_the_screen(page)
        console.screenshot("phone-citation")
        page.keyboard.press("Escape")
        expect(page.locator("#viewer")).to_be_hidden()

        assert not [u for u in console.urls if keys["user"] in u]  # never in a URL
        page.locator("#sign-out").click()
        expect(page.locator("#signin")).to_be_visible()
        assert page.evaluate("sessionStorage.length") == 0

        # A colleague in the same tenant opens the shared answer with their own key.
        with watched_page(browser, **PHONE) as other:
            other.page.goto(permalink)
            sign_in(other.page, keys["colleague"])
            opened = other.page.locator("article.turn.shared")
            expect(opened.locator(".answer")).to_have_text(answer)
            expect(opened.locator(".sources li.source")).not_to_have_count(0)
            fits_the_screen(other.page)
            other.assert_clean()

        # A tenant's admin sees the admin view with its own tenant's figures only.
        sign_in(page, keys["tenant-admin"])
        expect(page.locator("#who")).to_have_text("acme · admin")
        page.get_by_role("tab", name="Admin").click()
        expect(page.locator("#admin-charts figure.chart")).to_have_count(4)
        assert not [u for u in console.urls if "/v1/admin/metrics" in u]  # platform-wide only
        fits_the_screen(page)
        console.screenshot("phone-admin")
        # Another tenant cannot open the shared answer.
        page.goto(permalink)
        expect(page.locator(".shared-missing")).to_contain_text("another organisation")
        # The one refused key above is the only error the browser reported.
        console.assert_clean(allowed_console=("401 (Unauthorized)", "404 (Not Found)"))
        assert len(console.console_errors) == 2, console.console_errors
