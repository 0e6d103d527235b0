"""Citation accuracy on a FinanceBench-shaped QA file, through the real query workflow.

Every PDF is ingested as an upload would be; every question is asked with ``top_k`` 10 and
followed to its ``done`` event. Reported: evidence page among the retrieved pages (top 5 and top
10 passages), evidence page among the cited pages, and the share of citations whose quote is
found on the cited page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentflow.domain.documents import DocumentMetadata
from agentflow.domain.queries import QueryRequest
from agentflow.domain.vectors import SearchFilters
from agentflow.ingestion.uploads import ReceivedFile
from agentflow.retrieval.sentences import normalize
from agentflow.runtime.container import Container

TENANT = "eval"


@dataclass
class Outcome:
    question: str
    evidence: set[tuple[str, int]]  # (document name stem, 1-based page)
    retrieved: list[list[tuple[str, int]]] = field(default_factory=list)  # pages per passage
    cited: set[tuple[str, int]] = field(default_factory=set)
    quotes_on_page: int = 0
    quotes: int = 0


async def index_pdfs(container: Container, pdfs: list[Path]) -> dict[str, str]:
    """Upload each PDF as the API does; returns document id by file stem, once all are done."""
    ids = {}
    for pdf in pdfs:
        incoming = await container.uploads.open(pdf.name)
        with pdf.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                await incoming.feed(chunk)
        received = ReceivedFile(incoming=incoming, sha256=await incoming.finish())
        ((document, duplicate),) = await container.uploads.accept(TENANT, [received],
                                                                 DocumentMetadata())
        if not duplicate:
            container.ingestion.submit(document)
        ids[pdf.stem] = document.id
    await container.ingestion.wait_idle()
    return ids


def load_qa(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


async def ask_one(container: Container, row: dict[str, Any], ids: dict[str, str], *,
                  filter_document: bool) -> Outcome:
    evidence = {(str(e["doc_name"]), int(e["page_number_1based"])) for e in row["evidence"]}
    names = {doc_id: stem for stem, doc_id in ids.items()}
    filters = SearchFilters(document_ids=[ids[d] for d, _ in evidence if d in ids]
                            ) if filter_document else SearchFilters()
    record = await container.questions.ask(
        TENANT, QueryRequest(question=row["question"], top_k=10, filters=filters), trace_id=None)
    outcome = Outcome(question=row["question"], evidence=evidence)
    async for event in container.questions.follow(record, after=None):
        if event.event == "retrieval":
            outcome.retrieved = [
                [(names.get(p["document_id"], ""), page)
                 for page in range(p["page"], p.get("page_end", p["page"]) + 1)]
                for p in event.data["passages"]]
        elif event.event == "done":
            for citation in event.data["citations"]:
                name = names.get(citation["document_id"], "")
                outcome.cited.add((name, citation["page"]))
                page = await container.catalog.get_page(TENANT, citation["document_id"],
                                                        citation["page"])
                outcome.quotes += 1
                outcome.quotes_on_page += int(page is not None and normalize(citation["quote"])
                                              in normalize(page.text))
    return outcome


def summarize(outcomes: list[Outcome]) -> dict[str, float]:
    def hit_at(outcome: Outcome, k: int) -> bool:
        return any(page in outcome.evidence for pages in outcome.retrieved[:k] for page in pages)

    total = len(outcomes) or 1
    quotes = sum(o.quotes for o in outcomes)
    return {
        "questions": float(len(outcomes)),
        "evidence_page_recall@5": sum(hit_at(o, 5) for o in outcomes) / total,
        "evidence_page_recall@10": sum(hit_at(o, 10) for o in outcomes) / total,
        "cited_page_hit_rate": sum(bool(o.cited & o.evidence) for o in outcomes) / total,
        "citations": float(quotes),
        "quotes_on_cited_page": (sum(o.quotes_on_page for o in outcomes) / quotes) if quotes
        else 1.0,
    }
