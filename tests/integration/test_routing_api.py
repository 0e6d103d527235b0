"""Routing through the HTTP API on three real Apple 10-Qs: a question naming one filing's
period is answered from that filing, the ``retrieval`` event says why, and a ``PATCH`` of a
profile changes where questions go."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from tests.conftest import make_settings, shared
from tests.integration.helpers import app_client, parse_sse, upload, wait_terminal

pytestmark = pytest.mark.asyncio(loop_scope="module")
FILINGS = [f"{name} AAPL.pdf" for name in ("2022 Q3", "2023 Q1", "2023 Q2")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
              ) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    filings = [shared("pdfs", "real", "sec10q", name) for name in FILINGS]
    container = build_container(make_settings(tmp_path_factory.mktemp("r") / "data"),
                                embedder=embedder)
    async with app_client(container) as client:
        created = (await upload(client, *filings)).json()["documents"]
        ids = {}
        for path, document in zip(filings, created, strict=True):
            assert (await wait_terminal(client, document["id"]))["status"] == "ready"
            ids[path.stem] = document["id"]
        yield client, ids


async def ask(client: httpx.AsyncClient, question: str) -> tuple[dict[str, Any], dict[str, Any]]:
    response = await client.post("/v1/queries", json={"question": question, "stream": True,
                                                      "top_k": 8})
    events = parse_sse(response.text)
    (retrieval,) = [e["data"] for e in events if e["event"] == "retrieval"]
    assert events[-1]["event"] == "done", events[-1]
    return retrieval, events[-1]["data"]


async def test_each_filing_has_a_profile(api: Any) -> None:
    client, ids = api
    profile = (await client.get(f"/v1/documents/{ids['2023 Q2 AAPL']}")).json()["profile"]
    assert profile["organisations"] == ["Apple Inc."]
    assert profile["kind"] == "quarterly_report"
    assert (profile["fiscal_year"], profile["fiscal_quarter"]) == (2023, 2)
    assert profile["period_end"] == "2023-04-01"


async def test_a_question_naming_one_filing_is_answered_from_it(api: Any) -> None:
    client, ids = api
    retrieval, done = await ask(
        client, "What were Apple's total net sales in the second quarter of fiscal 2023?")
    routing = retrieval["routing"]
    assert routing["restricted"] is True
    (preferred,) = routing["preferred"]
    assert preferred["document_id"] == ids["2023 Q2 AAPL"]
    assert "names apple" in preferred["reasons"] and "period Q2 FY2023" in preferred["reasons"]
    assert {p["document_id"] for p in retrieval["passages"]} == {ids["2023 Q2 AAPL"]}
    assert done["citations"] and {c["document_id"] for c in done["citations"]} == {
        ids["2023 Q2 AAPL"]}
    # A figure question: answered first with the row that holds the figure, its number
    # named with its period, the row itself the verified quote.
    first = done["citations"][0]
    assert done["answer"].startswith("Total net sales")
    # The quarter's net sales from the statement of operations (page 4), whose columns are
    # the quarter and the six months, both "2023": the quarter's is said.
    assert done["answer"].split("[1]")[0].startswith("Total net sales was 94,836 million in 2023")
    assert first["page"] == 4
    assert first["quote"].startswith("Total net sales") and first["bboxes"]


async def test_a_figure_from_a_named_statement_is_cited_from_that_statement(api: Any) -> None:
    client, ids = api
    # Net sales are printed in the statement of operations (page 4), in a revenue note
    # (page 10) and in the discussion (pages 18-19); the statement named is what is cited.
    retrieval, done = await ask(client, "What were Apple's total net sales as shown in the "
                                        "income statement of its Q2 FY2023 10-Q?")
    assert any(p["page"] == 4 for p in retrieval["passages"])
    first = done["citations"][0]
    assert (first["document_id"], first["page"]) == (ids["2023 Q2 AAPL"], 4)
    assert first["quote"].startswith("Total net sales")


async def test_a_question_naming_no_filing_is_not_routed(api: Any) -> None:
    client, _ = api
    retrieval, _ = await ask(client, "What are the risks of foreign currency exchange rates?")
    assert retrieval["routing"]["preferred"] == []
    assert retrieval["routing"]["reason"]


async def test_patching_a_profile_changes_routing(api: Any) -> None:
    client, ids = api
    target = ids["2022 Q3 AAPL"]
    question = "What were Pomona Orchards' total net sales?"
    retrieval, _ = await ask(client, question)
    assert retrieval["routing"]["preferred"] == []
    response = await client.patch(f"/v1/documents/{target}",
                                  json={"organisations": ["Pomona Orchards Inc."]})
    assert response.status_code == 200, response.text
    assert response.json()["profile"]["organisations"] == ["Pomona Orchards Inc."]
    assert response.json()["status"] == "pending"  # indexed again with its new context
    conflict = await client.patch(f"/v1/documents/{target}", json={"title": "Too soon"})
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"
    assert (await wait_terminal(client, target))["status"] == "ready"
    retrieval, done = await ask(client, question)
    assert [p["document_id"] for p in retrieval["routing"]["preferred"]] == [target]
    assert {p["document_id"] for p in retrieval["passages"]} == {target}
    assert done["citations"]


async def test_bad_edits_are_refused(api: Any) -> None:
    client, ids = api
    document = ids["2023 Q1 AAPL"]
    empty = await client.patch(f"/v1/documents/{document}", json={})
    assert empty.status_code == 400 and empty.json()["code"] == "invalid_input"
    wrong = await client.patch(f"/v1/documents/{document}", json={"kind": "novel"})
    assert wrong.status_code in (400, 422)
    assert wrong.headers["content-type"].startswith("application/problem+json")
    quarter = await client.patch(f"/v1/documents/{document}", json={"fiscal_quarter": 5})
    assert quarter.status_code in (400, 422)
    missing = await client.patch("/v1/documents/doc_nope", json={"title": "x"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
