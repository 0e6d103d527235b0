"""What an answer's workflow writes to its history (what Dapr keeps in its state store): ids,
the answer's sentences and its citations, never the retrieved passages' text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from agentflow.ports.workflow_engine import ActivityContext, JsonActivity
from agentflow.runtime.container import Container
from tests.integration.helpers import parse_sse, upload, wait_terminal


def record_history(container: Container) -> list[tuple[str, str]]:
    """Every activity call's input and output JSON, as (activity, text), in call order."""
    history: list[tuple[str, str]] = []
    engine: Any = container.engine
    find = engine.activity

    def activity(name: str) -> JsonActivity:
        inner = find(name)

        async def recorded(ctx: ActivityContext, raw: Any) -> Any:
            result = await inner(ctx, raw)
            history.append((name, json.dumps(raw) + json.dumps(result)))
            return result
        return recorded

    engine.activity = activity
    return history


async def test_passages_travel_by_id_and_the_answer_history_stays_small(
        client: httpx.AsyncClient, container: Container, tiny_pdf: Path) -> None:
    document = (await upload(client, tiny_pdf)).json()["documents"][0]
    await wait_terminal(client, document["id"])
    history = record_history(container)
    response = await client.post("/v1/queries", json={
        "question": "What does the text say about information?", "stream": True, "top_k": 8})
    events = parse_sse(response.text)
    done = events[-1]
    assert done["event"] == "done" and done["data"]["citations"]
    retrieved = next(e for e in events if e["event"] == "retrieval")["data"]["passages"]
    assert len(retrieved) >= 3
    assert [name for name, _ in history][:3] == ["query_retrieve", "query_synthesize",
                                                 "query_cite"]
    chunks = await container.catalog.get_chunks("default", document["id"], start=0, stop=1000)
    texts = {chunk.id: chunk.text for chunk in chunks}
    written = "".join(text for _, text in history)
    for passage in retrieved:
        assert passage["chunk_id"] in written  # by reference ...
        # ... and never by value: no passage's text (past its first quoted sentence) is there.
        assert texts[passage["chunk_id"]][-120:] not in written
    assert len(written) < 16_000
    # Held only while the question is answered.
    assert await container.passages.get("default", done["data"]["query_id"]) is None
