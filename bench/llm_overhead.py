"""AgentFlow's own overhead on a model's stream: time to first token and per-token delay.

A scripted OpenAI-compatible server (loopback, its own thread and event loop) streams every answer
at a fixed pace: ``FIRST_DELAY_S`` before the first token, then one token every ``TOKEN_DELAY_S``.
``agentflow serve`` runs as a child process with the synthesis agent on that model (retrieval
and citation extractive, so only the model path is measured on top of the usual search).

- baseline, same process, same run: the OpenAI SDK streaming straight from the scripted server
  (the model's own time to first token and stream span, as any client sees them over loopback);
- AgentFlow: ``POST /v1/queries`` with SSE, client side: time to the first ``token`` event and
  the span from first to last ``token`` event.

Overhead to first token = AgentFlow's TTFT - the baseline's TTFT (p50/p95 over the queries);
per-token overhead = (AgentFlow's span - the baseline's span) / (tokens - 1).
Targets (issue 4): p95 TTFT overhead < 50 ms, < 5 ms per token.

    .venv/bin/python -m bench.llm_overhead [--queries 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from openai import AsyncOpenAI
from tests.fakes.openai_server import Reply, ScriptedOpenAI

from agentflow.domain.monitoring import percentile
from bench.common import SHARED, Server, free_port, write_result

FIRST_DELAY_S = 0.3
TOKEN_DELAY_S = 0.02
PIECE_CHARS = 8
ANSWER = "".join(f"Word{n:02d} " for n in range(59)) + "done [1]."  # 53 streamed pieces
PDF = SHARED / "pdfs" / "real" / "sec10q" / "2022 Q3 AAPL.pdf"
QUESTION = "What was Apple's total net sales in the quarter?"


def serve_in_thread(app: Any, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server


async def baseline_once(client: AsyncOpenAI) -> tuple[float, float, int]:
    started = time.perf_counter()
    first = last = 0.0
    count = 0
    stream = await client.chat.completions.create(
        model="primary", messages=[{"role": "user", "content": "q"}], stream=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter() - started
            first = first or last
            count += 1
    return first, last - first, count


async def agentflow_once(http: httpx.AsyncClient) -> tuple[float, float, int]:
    started = time.perf_counter()
    first = last = 0.0
    count = 0
    async with http.stream("POST", "/v1/queries",
                           json={"question": QUESTION, "stream": True}) as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "token":
                last = time.perf_counter() - started
                first = first or last
                count += 1
            elif line.startswith("data: ") and event in ("done", "error"):
                if event == "error":
                    raise RuntimeError(line)
                break
    return first, last - first, count


def summary(name: str, runs: list[tuple[float, float, int]]) -> dict[str, Any]:
    ttft = [r[0] * 1000 for r in runs]
    span = [r[1] * 1000 for r in runs]
    return {"name": name, "ttft_ms_p50": round(statistics.median(ttft), 1),
            "ttft_ms_p95": round(percentile(ttft, 95), 1),
            "span_ms_p50": round(statistics.median(span), 1),
            "tokens": runs[0][2]}


async def measure(url: str, model_url: str, queries: int) -> dict[str, Any]:
    client = AsyncOpenAI(base_url=f"{model_url}/v1", api_key="x", max_retries=0)
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        with PDF.open("rb") as pdf:
            body = (await http.post("/v1/documents", files=[("file", (PDF.name, pdf,
                                                                          "application/pdf"))])).json()
        document_id = body["documents"][0]["id"]
        async with http.stream("GET", f"/v1/documents/{document_id}/events") as events:
            async for line in events.aiter_lines():
                if line in ("event: ready", "event: failed"):
                    break
        for _ in range(3):  # warm both paths
            await baseline_once(client)
            await agentflow_once(http)
        base, ours = [], []
        for _ in range(queries):  # interleaved, so machine noise hits both alike
            base.append(await baseline_once(client))
            ours.append(await agentflow_once(http))
    await client.close()
    b, a = summary("baseline: OpenAI SDK direct", base), summary("AgentFlow /v1/queries SSE", ours)
    overhead = [(x[0] - y[0]) * 1000 for x, y in zip(ours, base, strict=True)]
    per_token = [((x[1] - y[1]) * 1000) / max(y[2] - 1, 1) for x, y in zip(ours, base, strict=True)]
    return {"model": {"first_delay_ms": FIRST_DELAY_S * 1000, "token_delay_ms": TOKEN_DELAY_S * 1000,
                      "tokens": b["tokens"]},
            "queries": queries, "baseline": b, "agentflow": a,
            "ttft_overhead_ms_p50": round(statistics.median(overhead), 1),
            "ttft_overhead_ms_p95": round(percentile(overhead, 95), 1),
            "per_token_overhead_ms_p50": round(statistics.median(per_token), 3),
            "per_token_overhead_ms_p95": round(percentile(per_token, 95), 3),
            "targets": {"ttft_overhead_ms_p95": 50, "per_token_overhead_ms": 5}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    model = ScriptedOpenAI()
    model.default("primary", Reply(text=ANSWER, first_delay_s=FIRST_DELAY_S,
                                   token_delay_s=TOKEN_DELAY_S, chunk_chars=PIECE_CHARS))
    port = free_port()
    fake = serve_in_thread(model.app, port)
    model_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "data", env={
            "OPENAI_BASE_URL": f"{model_url}/v1", "OPENAI_API_KEY": "sk-bench",
            "AGENTFLOW_LLM__MODEL": "primary", "AGENTFLOW_LLM__RETRIEVAL__ENABLED": "false",
            "AGENTFLOW_LLM__CITATION__ENABLED": "false"})
        try:
            result = asyncio.run(measure(server.url, model_url, args.queries))
        finally:
            server.stop()
            fake.should_exit = True
    print(json.dumps(result, indent=2))
    write_result("llm_overhead", result)


if __name__ == "__main__":
    main()
