"""How much a workflow writes to its history: the JSON of its input and of every activity's
input and output, per instance, in process (Dapr keeps exactly these in its state store).

Two 10-Qs are ingested, then questions are answered with the extractive agents; the figures are
the bytes per ``ingest_document`` and per ``answer_question`` instance (median and max).

    make bench-history          # or: .venv/bin/python -m bench.workflow_history
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from agentflow.gateway.app import create_app
from agentflow.runtime.container import Container, build_container
from agentflow.settings import EmbeddingSettings, Settings
from bench.common import MODEL_CACHE, SHARED, write_result

PDFS = ["2022 Q3 AAPL.pdf", "2023 Q1 MSFT.pdf"]
QUESTIONS = [
    "What was Apple's total net sales in the quarter?",
    "How much cash and cash equivalents did Microsoft report?",
    "What are the main risk factors Apple describes?",
    "How did Microsoft's operating income change compared to last year?",
    "What was Apple's effective tax rate?",
]


def _size(value: Any) -> int:
    if hasattr(value, "model_dump_json"):
        return len(value.model_dump_json())
    return len(json.dumps(value, default=str))


class HistoryMeter:
    """Wraps every registered activity so each call adds its input and output to its instance."""

    def __init__(self) -> None:
        self.bytes: dict[str, int] = defaultdict(int)
        self.kind: dict[str, str] = {}

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        async def measured(ctx: Any, raw: Any) -> Any:
            result = fn(ctx, raw)
            if asyncio.iscoroutine(result):
                result = await result
            self.bytes[ctx.workflow_id] += _size(raw) + _size(result)
            return result
        return measured

    def install(self, container: Container) -> None:
        engine: Any = container.engine
        for name, fn in list(engine._activities.items()):
            engine._activities[name] = self.wrap(fn)
        schedule = engine.schedule_new_workflow

        async def scheduled(workflow: Any, *, input: Any = None, instance_id: str) -> str:
            self.kind[instance_id] = str(getattr(workflow, "name", workflow))
            self.bytes[instance_id] += _size(input)
            return str(await schedule(workflow, input=input, instance_id=instance_id))

        engine.schedule_new_workflow = scheduled


async def measure(data_dir: Path) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, log_json=False,
                        embedding=EmbeddingSettings(cache_dir=MODEL_CACHE))
    container = build_container(settings)
    meter = HistoryMeter()
    meter.install(container)
    app = create_app(container=container)  # its lifespan starts and closes the container
    async with app.router.lifespan_context(app):
        if True:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://bench", timeout=600) as http:
                ids = []
                for name in PDFS:
                    path = SHARED / "pdfs" / "real" / "sec10q" / name
                    with path.open("rb") as handle:
                        response = await http.post(
                            "/v1/documents", files={"file": (name, handle.read(), "application/pdf")})
                    assert response.status_code == 202, response.text
                    ids.append(response.json()["documents"][0]["id"])
                for document_id in ids:
                    while True:
                        body = (await http.get(f"/v1/documents/{document_id}")).json()
                        if body["status"] in ("ready", "failed"):
                            break
                        await asyncio.sleep(0.5)
                for question in QUESTIONS:
                    response = await http.post("/v1/queries",
                                               json={"question": question, "top_k": 10, "stream": True})
                    assert "event: done" in response.text, response.text[-500:]
    per_kind: dict[str, list[int]] = defaultdict(list)
    for instance, size in meter.bytes.items():
        per_kind[meter.kind.get(instance, "?")].append(size)
    return {kind: {"instances": len(sizes), "median_bytes": statistics.median(sizes),
                   "max_bytes": max(sizes)} for kind, sizes in per_kind.items()}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="agentflow-history-") as tmp:
        result = asyncio.run(measure(Path(tmp) / "data"))
    print(json.dumps(result, indent=2))
    write_result("workflow_history", result)


if __name__ == "__main__":
    main()
