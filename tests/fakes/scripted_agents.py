"""Scripted model behaviour for each AgentFlow agent, decided from the request like a model would.

The agent is told apart by its instructions (the prompt files); the answer is built from what the
request carries (passages, tool results), so it is consistent with the real documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.fakes.openai_server import Reply, ToolCall

PASSAGE = re.compile(r"^\[(\d+)\] [^\n]*\n(.*?)(?=\n\n\[\d+\] |\Z)", re.DOTALL | re.MULTILINE)
SENTENCE_LINE = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def role(body: dict[str, Any]) -> str:
    system = str(body["messages"][0].get("content", ""))
    if system.startswith("You answer questions"):
        return "synthesis"
    if system.startswith("You check which passage"):
        return "citation"
    if system.startswith("You find the passages"):
        return "retrieval"
    raise AssertionError(f"unknown agent: {system[:60]}")


def user_text(body: dict[str, Any]) -> str:
    return next(str(m["content"]) for m in body["messages"] if m["role"] == "user")


def passages(body: dict[str, Any]) -> dict[int, str]:
    text = user_text(body).split("Passages:", 1)[1].split("Answer sentences:", 1)[0]
    return {int(n): " ".join(t.split()) for n, t in PASSAGE.findall(text.strip())}


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]


def tool_outputs(body: dict[str, Any]) -> list[str]:
    return [str(m["content"]) for m in body["messages"] if m["role"] == "tool"]


def synthesis_answer(body: dict[str, Any]) -> str:
    found = passages(body)
    return f"{first_sentence(found[1])} [1]" + (
        f" Also, {first_sentence(found[2])[0].lower()}{first_sentence(found[2])[1:]} [2]"
        if 2 in found else "")


def retrieval_reply(body: dict[str, Any], *, query: str, bad_arguments: bool = False,
                    limit: int = 5) -> Reply:
    outputs = tool_outputs(body)
    if not outputs and not bad_arguments:  # as the prompt says: which documents are named?
        return Reply(tool_calls=[ToolCall("find_documents", json.dumps({"query": query}))])
    named = [d["document_id"] for o in outputs if o.startswith("{") and '"restricted"' in o
             for d in json.loads(o)["documents"]]
    good = [o for o in outputs if o.startswith("{") and '"passages"' in o]
    if not good:
        search = {"query": query, "limit": limit, **({"document_ids": named} if named else {})}
        arguments = "{not json" if bad_arguments and not outputs else json.dumps(search)
        return Reply(tool_calls=[ToolCall("hybrid_search", arguments)])
    ids = [p["chunk_id"] for p in json.loads(good[-1])["passages"]]
    return Reply(text=json.dumps({"search_text": query, "chunk_ids": ids[:3]}))


def citation_reply(body: dict[str, Any], *, invent: bool = False) -> Reply:
    found = passages(body)
    text = user_text(body).split("Answer sentences:", 1)[1]
    items = []
    for n, sentence in SENTENCE_LINE.findall(text):
        passage = next((k for k, v in found.items() if sentence.rstrip(".")[-20:] in v), 1)
        quote = "The moon is made of green cheese." if invent else first_sentence(found[passage])
        items.append({"sentence": int(n), "passage": passage, "quote": quote})
    return Reply(text=json.dumps({"items": items}))


def agents_responder(*, query: str = "printed text information", token_delay_s: float = 0.0,
                     chunk_chars: int = 4, bad_arguments: bool = False,
                     invent_quotes: bool = False, limit: int = 5,
                     ) -> Callable[[dict[str, Any]], Reply]:
    """One scripted model that plays all three agents."""
    def respond(body: dict[str, Any]) -> Reply:
        match role(body):
            case "retrieval":
                return retrieval_reply(body, query=query, bad_arguments=bad_arguments,
                                       limit=limit)
            case "citation":
                return citation_reply(body, invent=invent_quotes)
            case _:
                return Reply(text=synthesis_answer(body), token_delay_s=token_delay_s,
                             chunk_chars=chunk_chars)
    return respond
