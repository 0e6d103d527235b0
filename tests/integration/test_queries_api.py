"""Questions through the HTTP API on a real 10-Q: event order, citations on their pages, resume,
conversations, filters, tenant isolation inside the index, page images, bad input."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from agentflow.domain.documents import PageSpan
from agentflow.domain.jobs import query_stream
from agentflow.domain.vectors import IndexedChunk
from agentflow.ports.embedder import Embedder
from agentflow.retrieval.sentences import normalize
from agentflow.runtime.container import Container, build_container
from tests.conftest import make_settings, shared
from tests.integration.helpers import app_client, parse_sse, upload, wait_terminal

pytestmark = pytest.mark.asyncio(loop_scope="module")
AAPL = ("pdfs", "real", "sec10q", "2022 Q3 AAPL.pdf")
QUESTION = "What were Apple's total net sales in the third quarter?"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
              ) -> AsyncIterator[tuple[httpx.AsyncClient, Container, dict[str, Any]]]:
    aapl = shared(*AAPL)
    container = build_container(make_settings(tmp_path_factory.mktemp("q") / "data"),
                                embedder=embedder)
    async with app_client(container) as client:
        uploaded = (await upload(client, aapl, metadata={"tags": ["apple"]})).json()
        document = await wait_terminal(client, uploaded["documents"][0]["id"])
        assert document["status"] == "ready"
        yield client, container, document


async def ask(client: httpx.AsyncClient, question: str, **body: Any) -> list[dict[str, Any]]:
    response = await client.post("/v1/queries", json={"question": question, "stream": True,
                                                      **body})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.text)


def done_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    assert events[-1]["event"] == "done", events[-1]
    data: dict[str, Any] = events[-1]["data"]
    return data


async def test_the_answer_streams_in_order_with_every_marker_cited(api: Any) -> None:
    client, _, _ = api
    events = await ask(client, QUESTION)
    names = [e["event"] for e in events]
    agent_steps = [(e["data"]["agent"], e["data"]["status"]) for e in events
                   if e["event"] == "agent"]
    assert agent_steps[0] == ("orchestrator", "started")
    assert agent_steps[-1] == ("orchestrator", "completed")
    for agent in ("retrieval", "synthesis", "citation"):
        assert agent_steps.index((agent, "started")) < agent_steps.index((agent, "completed"))
    first_token, last_token = names.index("token"), len(names) - 1 - names[::-1].index("token")
    assert names.index("retrieval") < first_token
    assert names.index("citation") > last_token
    assert [int(e["id"]) for e in events] == sorted(int(e["id"]) for e in events)

    done = done_of(events)
    markers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", done["answer"])})
    assert markers and markers == [c["n"] for c in done["citations"]]
    streamed = "".join(e["data"]["text"] for e in events if e["event"] == "token")
    assert streamed == done["answer"]
    assert [e["data"] for e in events if e["event"] == "citation"] == done["citations"]
    assert any("82,959" in c["quote"] or "net sales" in c["quote"].lower()
               for c in done["citations"])
    assert 0 < done["confidence"] <= 1 and done["trace_id"]
    assert {"retrieval", "synthesis", "citation", "total", "first_token"} <= set(done["timings_ms"])
    assert done["usage"]["synthesis"]["model"] == "extractive"
    assert 2 <= len(done["related_questions"]) <= 3


async def test_every_quote_is_on_its_cited_page_with_boxes(api: Any) -> None:
    client, _, document = api
    done = done_of(await ask(client, "How much did Services net sales increase?"))
    assert done["citations"]
    for citation in done["citations"]:
        assert citation["document_id"] == document["id"]
        assert citation["document_name"] == "2022 Q3 AAPL.pdf"
        page = (await client.get(f"/v1/documents/{document['id']}/pages/{citation['page']}")).json()
        assert normalize(citation["quote"]) in normalize(page["text"])
        assert citation["bboxes"] and all(
            0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]
            for x0, y0, x1, y1 in citation["bboxes"])
        assert 0 <= citation["support"] <= 1 and citation["chunk_id"]


async def test_a_question_without_an_answer_says_so_and_cites_nothing(api: Any) -> None:
    client, _, _ = api
    done = done_of(await ask(client, "Who won the football world cup in 1998?"))
    assert "could not find" in done["answer"] and done["citations"] == []
    assert done["confidence"] == 0


async def test_accepted_then_followed_and_resumed_without_loss(api: Any) -> None:
    client, _, _ = api
    accepted = await client.post("/v1/queries", json={"question": QUESTION})
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["stream_url"] == f"/v1/queries/{body['id']}/stream" and body["status"] == "running"
    full = parse_sse((await client.get(body["stream_url"])).text)
    middle = full[len(full) // 2]["id"]
    resumed = parse_sse((await client.get(body["stream_url"],
                                          headers={"Last-Event-ID": middle})).text)
    assert [e["id"] for e in resumed] == [e["id"] for e in full if int(e["id"]) > int(middle)]
    stored = (await client.get(f"/v1/queries/{body['id']}")).json()
    assert stored["status"] == "completed" and stored["answer"] == done_of(full)["answer"]
    assert stored["citations"] == done_of(full)["citations"]


async def test_a_finished_query_whose_stream_is_gone_is_told_from_its_record(api: Any) -> None:
    client, container, _ = api
    accepted = (await client.post("/v1/queries", json={"question": QUESTION})).json()
    live = parse_sse((await client.get(accepted["stream_url"])).text)
    await container.events.close_stream(query_stream("default", accepted["id"]))  # evicted
    late = parse_sse((await client.get(accepted["stream_url"])).text)
    assert [e["event"] for e in late] == ["done"] and late[0]["data"] == done_of(live)


async def test_a_conversation_keeps_its_turns_and_follow_ups_use_them(api: Any) -> None:
    client, _, _ = api
    first = await client.post("/v1/queries", json={"question": QUESTION})
    conversation = first.json()["conversation_id"]
    await client.get(first.json()["stream_url"])
    follow_up = done_of(await ask(client, "And what about iPhone?",
                                  conversation_id=conversation))
    assert "iphone" in follow_up["answer"].lower()
    turns = (await client.get(f"/v1/conversations/{conversation}")).json()["turns"]
    assert [t["question"] for t in turns] == [QUESTION, "And what about iPhone?"]
    assert all(t["status"] == "completed" and t["answer"] for t in turns)


async def test_filters_restrict_the_passages(api: Any) -> None:
    client, _, document = api
    events = await ask(client, QUESTION, filters={"document_ids": [document["id"]]})
    passages = next(e for e in events if e["event"] == "retrieval")["data"]["passages"]
    assert passages and {p["document_id"] for p in passages} == {document["id"]}
    nothing = done_of(await ask(client, QUESTION, filters={"tags": ["no-such-tag"]}))
    assert nothing["citations"] == [] and "could not find" in nothing["answer"]


async def test_another_tenants_chunks_never_answer(api: Any) -> None:
    client, container, _ = api
    secret = "The secret merger codename of the other tenant is Bluebird Falcon."
    await container.index.upsert([IndexedChunk(
        chunk_id="00000000-0000-4000-8000-000000000001", tenant_id="other",
        document_id="doc_other", document_name="other.pdf", page_start=1, page_end=1,
        text=secret, spans=[PageSpan(page=1, start=0, end=len(secret))],
        dense=await container.embedder.embed_query(secret),
        sparse=container.sparse.encode_documents([secret])[0])])
    events = await ask(client, "What is the secret merger codename Bluebird Falcon?")
    passages = next(e for e in events if e["event"] == "retrieval")["data"]["passages"]
    assert all(p["document_id"] != "doc_other" for p in passages)
    assert "Bluebird" not in done_of(events)["answer"]
    direct = await container.search.hybrid_search("default", "Bluebird Falcon merger codename")
    assert direct and all(p.document_id != "doc_other" for p in direct)
    assert [p.document_id for p in await container.search.hybrid_search(
        "other", "Bluebird Falcon merger codename")] == ["doc_other"]


async def test_bad_questions_get_clear_problems(api: Any) -> None:
    client, _, _ = api
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"question": "   "}, 400, "invalid_question"),
        ({"question": "why " * 2500}, 400, "invalid_question"),
        ({"question": "ok", "top_k": 0}, 422, "validation_error"),
        ({"question": "ok", "conversation_id": "conv_missing"}, 404, "not_found"),
        ({"question": "ok", "filters": {"document_ids": ["doc_other"]}}, 404, "not_found"),
        ({}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        response = await client.post("/v1/queries", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
    for path in ("/v1/queries/q_missing", "/v1/queries/q_missing/stream",
                 "/v1/conversations/conv_missing"):
        response = await client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_the_page_image_highlights_the_cited_quote(api: Any) -> None:
    import pymupdf

    client, _, document = api
    citation = done_of(await ask(client, QUESTION))["citations"][0]
    base = f"/v1/documents/{document['id']}/pages/{citation['page']}/image"
    plain = await client.get(base)
    marked = await client.get(base, params={"highlight": citation["quote"]})
    by_chunk = await client.get(base, params={"highlight": citation["chunk_id"]})
    for response in (plain, marked, by_chunk):
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    plain_pixels = pymupdf.Pixmap(plain.content)
    marked_pixels = pymupdf.Pixmap(marked.content)
    assert (plain_pixels.width, plain_pixels.height) == (marked_pixels.width, marked_pixels.height)
    zoom = plain_pixels.width / (await client.get(
        f"/v1/documents/{document['id']}/pages/{citation['page']}")).json()["width"]
    x0, y0, x1, y1 = citation["bboxes"][0]
    inside = (int((x0 + x1) / 2 * zoom), int((y0 + y1) / 2 * zoom))
    assert plain_pixels.pixel(*inside) != marked_pixels.pixel(*inside)  # tinted there
    assert plain_pixels.pixel(2, 2) == marked_pixels.pixel(2, 2)  # and not in the margin
    missing = await client.get(base, params={"highlight": "words that are not on this page"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"

