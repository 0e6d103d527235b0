"""The console's agent activity panel when models fail: a server whose agents run on a scripted
OpenAI-compatible model on loopback that answers 500/503 to every call. The browser shows the
retrieval and synthesis agents retrying, falling back, and completing on the extractive agents;
the answer still arrives with its citations and the fall-back warnings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import shared
from tests.e2e.browser import serving_in_thread, watched_page
from tests.fakes.openai_server import Reply, ScriptedOpenAI
from tests.server import ServerProcess


@pytest.fixture
def failing_models() -> Iterator[tuple[ScriptedOpenAI, str]]:
    scripted = ScriptedOpenAI()
    scripted.default("primary", Reply(status=500, text="upstream exploded"))
    scripted.default("backup", Reply(status=503, text="overloaded"))
    with serving_in_thread(scripted.app) as url:
        yield scripted, url


def test_the_panel_shows_retries_and_fallbacks(
        tmp_path: Path, browser: Browser,
        failing_models: tuple[ScriptedOpenAI, str]) -> None:
    scripted, url = failing_models
    paper = shared("pdfs", "real", "DeepSeek_R1.pdf")
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log", env={
        "OPENAI_BASE_URL": f"{url}/v1", "OPENAI_API_KEY": "sk-test",
        "AGENTFLOW_LLM__MODEL": "primary", "AGENTFLOW_LLM__FALLBACK_MODELS": "backup",
        "AGENTFLOW_QUERY__FIRST_RETRY_S": "0.01"})
    server.start()
    try:
        with paper.open("rb") as handle:
            created = httpx.post(f"{server.url}/v1/documents",
                                 files={"file": (paper.name, handle, "application/pdf")}).json()
        document_id = created["documents"][0]["id"]
        with watched_page(browser) as console:
            page = console.page
            page.goto(f"{server.url}/#ask")
            expect(page.locator("#view-ask")).to_be_visible()
            for _ in range(600):  # the upload above finishes ingesting
                if httpx.get(f"{server.url}/v1/documents/{document_id}").json()["status"] == "ready":
                    break
                page.wait_for_timeout(200)
            page.fill("#question", "What is DeepSeek-R1-Zero trained with?")
            page.keyboard.press("Enter")
            turn = page.locator("article.turn").first
            expect(turn.locator(".meta .confidence")).to_be_visible(timeout=120_000)
            for agent in ("retrieval", "synthesis"):
                steps = page.locator(f".agent-step[data-agent={agent}]")
                expect(steps.locator(".badge.step-retrying").first).to_be_visible()
                expect(steps.locator(".badge.step-fallback")).to_have_count(2)
                expect(page.locator(f".agent-step[data-agent={agent}].step-completed")
                       ).to_have_count(1)
            fallback = page.locator(".agent-step.step-fallback").first
            expect(fallback.locator(".detail")).not_to_be_empty()
            warnings = turn.locator(".warnings li")
            expect(warnings.first).to_contain_text("fell back from primary to backup")
            expect(warnings.filter(has_text="to the extractive agent")).not_to_have_count(0)
            assert turn.locator(".answer button.cite").count() >= 1
            console.screenshot("agents-fallback")
            console.assert_clean()
    finally:
        server.stop()
    assert scripted.calls("primary") and scripted.calls("backup")
