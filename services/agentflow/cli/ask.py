"""``agentflow ask "question"``: stream the answer from a running server, then its sources."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import httpx

from agentflow.cli.credentials import auth_headers


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(event, data)`` pairs from SSE lines (comments and ids skipped)."""
    event, data = "", ""
    for line in lines:
        if not line:
            if event and data:
                yield event, json.loads(data)
            event, data = "", ""
        elif line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data += line.split(":", 1)[1].strip()


def _print_done(done: dict[str, Any], streamed: str, out: TextIO) -> None:
    print("\n", file=out)
    if " ".join(done.get("answer", "").split()) != " ".join(streamed.split()):
        # Statements without a verified quote were dropped, or markers renumbered.
        print(f"Verified answer: {done.get('answer', '')}\n", file=out)
    for citation in done.get("citations", []):
        quote = citation["quote"] if len(citation["quote"]) <= 160 else citation["quote"][:157] + "..."
        print(f"[{citation['n']}] {citation['document_name']}, page {citation['page']}: "
              f"\"{quote}\"", file=out)
    for warning in done.get("warnings", []):
        print(f"warning: {warning}", file=out)
    if done.get("related_questions"):
        print("\nRelated: " + " | ".join(done["related_questions"]), file=out)
    models = [f"{agent}: {used['model']} {used['input_tokens']}/{used['output_tokens']} tokens"
              + (f" ${used['cost_usd']:.6f}" if used.get("cost_usd") else "")
              for agent, used in done.get("usage", {}).items()]
    partial = ", partial" if done.get("partial") else ""
    print(f"(confidence {done.get('confidence', 0):.2f}{partial}, query {done.get('query_id')}; "
          + "; ".join(models) + ")", file=out)


def ask(url: str, question: str, *, top_k: int, conversation_id: str | None,
        timeout_s: float, out: TextIO = sys.stdout) -> int:
    body: dict[str, Any] = {"question": question, "top_k": top_k, "stream": True}
    if conversation_id:
        body["conversation_id"] = conversation_id
    attempt = 1
    streamed: list[str] = []
    try:
        with httpx.Client(base_url=url, timeout=httpx.Timeout(10.0, read=timeout_s),
                          headers=auth_headers()) as client, \
                client.stream("POST", "/v1/queries", json=body) as response:
            if response.status_code >= 400:
                response.read()
                problem = response.json()
                print(f"agentflow: {problem.get('detail')} ({problem.get('code')})",
                      file=sys.stderr)
                return 1
            for event, data in sse_events(response.iter_lines()):
                if event == "token":
                    if data.get("attempt", 1) > attempt:  # a retry starts the answer again
                        attempt = data["attempt"]
                        streamed.clear()
                        print(f"\n[attempt {attempt}]\n", file=out, flush=True)
                    streamed.append(data["text"])
                    print(data["text"], end="", file=out, flush=True)
                elif event == "agent" and data.get("status") in ("retrying", "fallback"):
                    print(f"\n[{data['agent']} {data['status']}: {data.get('detail', '')}]",
                          file=sys.stderr, flush=True)
                elif event == "done":
                    _print_done(data, "".join(streamed), out)
                    return 0
                elif event == "error":
                    print(f"\nagentflow: {data.get('detail')} ({data.get('code')})",
                          file=sys.stderr)
                    return 1
    except httpx.HTTPError as exc:
        print(f"agentflow: cannot reach {url}: {exc}", file=sys.stderr)
        return 2
    print("\nagentflow: the stream ended before the answer was done", file=sys.stderr)
    return 1
