"""The web console in headless Chromium against a real ``agentflow serve``: upload real PDFs,
watch them become ready (or fail with a reason, and retry), dedup, ask, see the answer stream
and its citations, open the highlighted page, follow up, delete, and read the admin view —
with no console error and no request to any non-loopback host. Screenshots go to
``test-artifacts/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import shared
from tests.e2e.browser import WatchedPage, watched_page
from tests.server import ServerProcess

QUESTION = "What is DeepSeek-R1-Zero trained with?"
SCAN_QUESTION = "Why can a non-text-searchable PDF not be rendered as plain text?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("console")
    process = ServerProcess(root / "data", root / "server.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def console(browser: Browser, server: ServerProcess) -> Iterator[WatchedPage]:
    with watched_page(browser) as watched:
        watched.page.goto(f"{server.url}/")
        yield watched


def row(console: WatchedPage, name: str) -> str:
    return f"#documents li.doc:has(.name:text-is('{name}'))"


def test_upload_watch_ask_cite_follow_up_and_admin(console: WatchedPage,
                                                   server: ServerProcess) -> None:
    paper = shared("pdfs", "real", "DeepSeek_R1.pdf")
    scan = shared("pdfs", "real", "non_text_searchable.pdf")  # an image: read by OCR
    blank = shared("pdfs", "robustness", "ocrmypdf", "blank.pdf")  # nothing to read at all
    page = console.page
    expect(page.locator("#who")).to_have_text("local (auth off)")
    expect(page.locator("#signin")).to_be_hidden()

    # Three PDFs at once through the file picker; each row follows its own progress events.
    page.set_input_files("#file-input", [str(paper), str(scan), str(blank)])
    expect(page.locator(f"{row(console, paper.name)}[data-status=ready]")).to_be_visible(
        timeout=180_000)
    expect(page.locator(f"{row(console, scan.name)}[data-status=ready]")).to_be_visible(
        timeout=60_000)
    failed = page.locator(f"{row(console, blank.name)}[data-status=failed]")
    expect(failed).to_be_visible(timeout=60_000)
    expect(failed.locator(".reason")).to_contain_text("no extractable text")
    lines = page.evaluate("[...window.__progressLines]")
    assert any(re.fullmatch(r"embedding chunks \d+/\d+", line) for line in lines), lines
    assert any(line.startswith("extracting pages") for line in lines), lines
    assert "recognising text, page 1/1" in lines, lines  # the scan's page, read by OCR
    expect(page.locator(row(console, paper.name)).locator(".progress-text")).to_contain_text(
        "22 pages")
    assert "null" not in page.locator("#documents").inner_text()
    # The whole library followed one WebSocket feed, not a stream per document.
    assert [url for url in console.websockets if url.endswith("/v1/events")], console.websockets
    assert not [url for url in console.urls if re.search(r"/v1/documents/[^/]+/events", url)]
    # Each ready PDF shows a preview of its first page.
    preview = page.locator(row(console, paper.name)).locator("img.thumb")
    expect(preview).to_have_attribute("src", re.compile(r"^blob:"))
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=preview.element_handle())
    assert preview.evaluate("(img) => img.naturalWidth") == 240
    console.screenshot("library")

    # The same bytes again: shown as a duplicate of the existing row, not a second document.
    page.set_input_files("#file-input", [str(paper)])
    expect(page.locator(row(console, paper.name)).locator(".badge.dup")).to_be_visible()
    expect(page.locator("#documents li.doc")).to_have_count(3)

    # Not a PDF: refused at once, with the API's reason and code, and nothing stored.
    page.set_input_files("#file-input", [{"name": "photo.png", "mimeType": "image/png",
                                          "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)}])
    refused = page.locator("#uploads li.rejected")
    expect(refused.locator(".reason")).to_contain_text("not_a_pdf")
    refused.get_by_role("button", name="Dismiss").click()
    expect(refused).to_have_count(0)
    expect(page.locator("#documents li.doc")).to_have_count(3)

    # Drag and drop works as the picker does.
    tiny = shared("pdfs", "robustness", "pypdf_sample_files",
                  "004-pdflatex-4-pages__pdflatex-4-pages.pdf")
    dropped = page.evaluate_handle(
        """([name, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, {type: "application/pdf"}));
            return transfer;
        }""", [tiny.name, list(tiny.read_bytes())])
    page.locator("#drop").dispatch_event("drop", {"dataTransfer": dropped})
    expect(page.locator(f"{row(console, tiny.name)}[data-status=ready]")).to_be_visible(
        timeout=60_000)
    kept = httpx.get(f"{server.url}/v1/documents").json()["documents"]
    assert {d["name"] for d in kept} == {paper.name, scan.name, blank.name, tiny.name}

    # Retry the failed one: it is ingested again from its kept file and fails the same way.
    with page.expect_response(lambda r: r.url.endswith("/retry")) as retried:
        failed.locator("button.retry").click()
    assert retried.value.status == 202
    expect(page.locator(f"{row(console, blank.name)}[data-status=failed]")).to_be_visible(
        timeout=60_000)

    # Ask: the answer streams in token by token while the agents report their steps.
    page.get_by_role("tab", name="Ask").click()
    page.fill("#question", QUESTION)
    with page.expect_response(lambda r: r.url.endswith("/v1/queries")) as asked:
        page.keyboard.press("Enter")
    conversation_id = asked.value.headers["x-conversation-id"]
    turn = page.locator("article.turn").first
    expect(turn.locator(".meta .confidence")).to_be_visible()
    pieces = page.evaluate("window.__answerSteps")
    assert len(pieces) >= 5, pieces  # the text came a piece at a time, not all at once
    final = turn.locator(".answer").inner_text()
    assert all(piece.strip() in final for piece in pieces[:20]), (pieces, final)
    for agent in ("retrieval", "synthesis", "citation"):
        expect(page.locator(f".agent-step[data-agent={agent}].step-started")).to_have_count(1)
        expect(page.locator(f".agent-step[data-agent={agent}].step-completed")).to_have_count(1)
    markers = turn.locator(".answer button.cite")
    assert markers.count() >= 1
    expect(turn.locator(".sources li.source")).to_have_count(markers.count())
    assert turn.locator(".related button.related-q").count() >= 1
    permalink = turn.locator(".meta a.permalink").get_attribute("href") or ""
    assert re.fullmatch(rf"{re.escape(server.url)}/#/queries/[\w-]+", permalink), permalink
    console.screenshot("answer")

    # A citation opens its page, highlighted, with the quote and the PDF at that page.
    first = turn.locator(".sources li.source").first
    quote = first.locator("blockquote").inner_text()
    with page.expect_response(lambda r: "/image?" in r.url) as image:
        markers.first.click()
    assert image.value.status == 200
    assert image.value.headers["content-type"] == "image/png"
    number = int((markers.first.get_attribute("aria-label") or "").rsplit("page ", 1)[1])
    assert f"/pages/{number}/image?" in image.value.url
    dialog = page.locator("#viewer")
    expect(dialog).to_be_visible()
    expect(page.locator("#viewer-quote")).to_have_text(quote)
    expect(page.locator("#viewer-image")).to_be_visible()
    assert page.evaluate("document.querySelector('#viewer-image').naturalWidth") > 500
    assert page.evaluate("document.querySelector('#viewer-image').src").startswith("blob:")
    href = page.locator("#viewer-pdf").get_attribute("href") or ""
    assert re.fullmatch(rf"/v1/documents/doc_\w+/file#page={number}", href), href
    document_id = href.split("/")[3]
    pdf = httpx.get(f"{server.url}{href.split('#')[0]}")
    assert pdf.status_code == 200 and pdf.content == paper.read_bytes()
    page_text = httpx.get(f"{server.url}/v1/documents/{document_id}/pages/{number}").json()
    assert _squash(quote) in _squash(page_text["text"])  # the quote really is on that page
    console.screenshot("citation")
    with page.expect_popup() as opened:
        page.locator("#viewer-pdf").click()
    tab = opened.value
    tab.wait_for_url(re.compile(r"^blob:"))  # (no page script: the blob inherits the CSP)
    assert re.fullmatch(rf"blob:{re.escape(server.url)}/[0-9a-f-]+#page={number}", tab.url), tab.url
    tab.close()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # The permalink opens the same answer, with its citations, on a page of its own.
    shared_page = page.context.new_page()
    shared_page.goto(permalink)
    expect(shared_page.get_by_role("tab", name="Ask")).to_have_attribute("aria-selected", "true")
    opened = shared_page.locator("article.turn.shared")
    expect(opened.locator(".question")).to_have_text(QUESTION)
    expect(opened.locator(".answer")).to_have_text(final)
    expect(opened.locator(".sources li.source")).to_have_count(markers.count())
    with shared_page.expect_response(lambda r: "/image?" in r.url) as image:
        opened.locator(".answer button.cite").first.click()
    assert image.value.status == 200
    expect(shared_page.locator("#viewer-quote")).to_have_text(quote)
    assert shared_page.url == permalink  # the address stays shareable
    shared_page.close()

    # A related question continues the same conversation.
    with page.expect_request(lambda r: r.url.endswith("/v1/queries")) as follow_up:
        turn.locator(".related button.related-q").first.click()
    assert (follow_up.value.post_data_json or {})["conversation_id"] == conversation_id
    expect(page.locator("article.turn")).to_have_count(2)
    expect(page.locator("article.turn").nth(1).locator(".meta .confidence")).to_be_visible()
    turns = httpx.get(f"{server.url}/v1/conversations/{conversation_id}").json()["turns"]
    assert len(turns) == 2

    # The scan answers like any page: its citation opens the page marked as read by OCR.
    page.locator("#new-conversation").click()
    expect(page.locator("article.turn")).to_have_count(0)
    page.fill("#question", SCAN_QUESTION)
    page.keyboard.press("Enter")
    scanned = page.locator("article.turn").first
    expect(scanned.locator(".meta .confidence")).to_be_visible()
    source = scanned.locator(".sources li.source").first
    expect(source).to_contain_text(scan.name)
    with page.expect_response(lambda r: "/image?" in r.url) as image:
        scanned.locator(".answer button.cite").first.click()
    assert image.value.status == 200 and "/pages/1/image?" in image.value.url
    expect(page.locator("#viewer-ocr")).to_contain_text("recognised by OCR")
    expect(page.locator("#viewer-image")).to_be_visible()
    console.screenshot("scanned-citation")
    page.keyboard.press("Escape")

    # Delete asks for a second click, then removes the document everywhere.
    page.get_by_role("tab", name="Library").click()
    remove = page.locator(row(console, scan.name)).locator("button.delete")
    remove.click()
    expect(remove).to_have_text("Really delete?")
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        remove.click()
    assert deleted.value.status == 204
    expect(page.locator("#documents li.doc")).to_have_count(3)

    # Admin: latency per agent, tokens and cost per agent and tenant, rates, alerts.
    page.get_by_role("tab", name="Admin").click()
    charts = page.locator("#admin-charts figure.chart")
    expect(charts).to_have_count(6)
    latency = page.locator("figure.chart:has(figcaption:text('Latency per agent'))")
    expect(latency.locator("rect.bar[data-label=synthesis][data-series=p50]")).to_have_count(1)
    assert float(latency.locator("rect.bar[data-label=synthesis][data-series=p50]")
                 .get_attribute("data-value") or 0) > 0
    tenants = page.locator("figure.chart:has(figcaption:text('Tokens and queries per tenant'))")
    expect(tenants.locator("rect.bar[data-label=default][data-series=queries]")).to_have_attribute(
        "data-value", re.compile(r"[1-9]\d*"))
    expect(page.locator("#alerts tbody tr")).not_to_have_count(0)
    # Response times over time: p50/p95 per agent and the error rate, per minute or per hour.
    series = page.locator("#admin-series figure.chart")
    expect(series).to_have_count(5)
    answers = page.locator("#admin-series figure.chart:has(figcaption:text('Answers'))")
    expect(answers.locator("circle.point[data-series=p95]")).not_to_have_count(0)
    assert float(answers.locator("circle.point[data-series=p95]").last
                 .get_attribute("data-value") or 0) > 0
    synthesis = page.locator("#admin-series figure.chart:has(figcaption:text('synthesis'))")
    expect(synthesis.locator("circle.point[data-series=p50]")).not_to_have_count(0)
    with page.expect_response(lambda r: "series=hour" in r.url) as hourly:
        page.select_option("#admin-series-resolution", "hour")
    assert hourly.value.status == 200 and len(hourly.value.json()["series"][0]["points"]) == 24
    expect(answers.locator("circle.point[data-series=p95]")).to_have_count(1)
    console.screenshot("admin")
    # The one refused upload above is the only error the browser reported.
    console.assert_clean(allowed_console=("status of 415",))
    assert len(console.console_errors) == 1, console.console_errors


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_console_serves_its_own_assets_only(server: ServerProcess) -> None:
    banner = (server.data_dir.parent / "server.log").read_text()
    assert f"AgentFlow is starting on {server.url}/ " in banner  # where to open the console
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy  # no other origin may be reached from the page
    assert re.findall(r'(?:src|href)="([^"]+)"', page.text) == [
        "data:,", "/console/console.css", "/console/js/main.js", "#main"]
    assets = Path(__file__).resolve().parents[2] / "services" / "agentflow" / "gateway" / "console"
    for script in sorted((assets / "js").glob("*.js")):
        source = script.read_text()
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", source), script.name
        assert "innerHTML" not in source, script.name  # text goes in as text
        served = httpx.get(f"{server.url}/console/js/{script.name}")
        assert served.status_code == 200 and served.text == source
        assert served.headers["content-type"].startswith("text/javascript")
        assert served.headers["cache-control"] == "no-cache"
    assert httpx.get(f"{server.url}/console/../settings.py").status_code == 404
