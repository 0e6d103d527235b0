"""Citation accuracy on a FinanceBench-shaped QA file, through the real query workflow.

Every PDF is ingested as an upload would be (the evidence filings first, then any library of
distractors into the same tenant); every question is asked with ``top_k`` 10 and followed to its
``done`` event. ``citation_summary`` turns the outcomes into figures: evidence document and page
among the retrieved passages, evidence page among the cited pages, quotes found on their cited
page, and the gold answer's figure in the answer text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentflow.domain.documents import Document, DocumentMetadata, DocumentStatus
from agentflow.domain.errors import AgentFlowError, InvalidInput
from agentflow.domain.queries import QueryRequest
from agentflow.domain.vectors import SearchFilters
from agentflow.evaluation.citation_summary import Outcome
from agentflow.ingestion.uploads import ReceivedFile
from agentflow.retrieval.sentences import normalize
from agentflow.runtime.container import Container

TENANT = "eval"


@dataclass
class Collection:
    """The documents of the tenant: name by document id (ready ones only) and the count of
    files that did not end ready (refused at upload or failed in ingestion)."""

    names: dict[str, str] = field(default_factory=dict)
    failed: int = 0

    @property
    def ids(self) -> dict[str, str]:
        return {name: doc_id for doc_id, name in self.names.items()}


async def _upload(container: Container, pdf: Path) -> Document:
    incoming = await container.uploads.open(pdf.name)
    with pdf.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            await incoming.feed(chunk)
    received = ReceivedFile(incoming=incoming, sha256=await incoming.finish())
    ((document, duplicate),) = await container.uploads.accept(TENANT, [received],
                                                             DocumentMetadata())
    if not duplicate or document.status is DocumentStatus.PENDING:
        container.ingestion.submit(document)
    return document


async def index_pdfs(container: Container, pdfs: list[tuple[str, Path]]) -> Collection:
    """Upload each ``(name, path)`` as the API does and wait for all; a file refused or failed
    is counted and left out. A file with the same bytes as an earlier one keeps its first
    name."""
    uploaded: dict[str, str] = {}
    collection = Collection()
    for name, pdf in pdfs:
        try:
            document = await _upload(container, pdf)
        except AgentFlowError:
            collection.failed += 1
            continue
        uploaded.setdefault(document.id, name)
    await container.ingestion.wait_idle()
    for doc_id, name in uploaded.items():
        stored = await container.catalog.get_document(TENANT, doc_id)
        if stored is not None and stored.status is DocumentStatus.READY:
            collection.names[doc_id] = name
        else:
            collection.failed += 1
    return collection


def library_pdfs(folders: list[Path]) -> list[tuple[str, Path]]:
    """Every ``*.pdf`` under each folder, named by its path below the folder's parent (so a
    distractor's name never equals an evidence document's stem)."""
    for folder in folders:
        if not folder.is_dir():
            raise InvalidInput(f"{folder} is not a folder")
    return [(pdf.relative_to(folder.parent).as_posix(), pdf)
            for folder in folders for pdf in sorted(folder.rglob("*.pdf"))]


def load_qa(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


async def ask_one(container: Container, row: dict[str, Any], collection: Collection, *,
                  filter_document: bool) -> Outcome:
    evidence = {(str(e["doc_name"]), int(e["page_number_1based"])) for e in row["evidence"]}
    names, ids = collection.names, collection.ids
    filters = SearchFilters(document_ids=[ids[d] for d, _ in evidence if d in ids]
                            ) if filter_document else SearchFilters()
    record = await container.questions.ask(
        TENANT, QueryRequest(question=row["question"], top_k=10, filters=filters), trace_id=None)
    outcome = Outcome(question=row["question"], evidence=evidence,
                      gold_answer=str(row.get("answer") or ""))
    async for event in container.questions.follow(record, after=None):
        if event.event == "retrieval":
            outcome.retrieved = [
                [(names.get(p["document_id"], ""), page)
                 for page in range(p["page"], p.get("page_end", p["page"]) + 1)]
                for p in event.data["passages"]]
        elif event.event == "done":
            outcome.answer = str(event.data.get("answer") or "")
            for citation in event.data["citations"]:
                name = names.get(citation["document_id"], "")
                outcome.cited.add((name, citation["page"]))
                page = await container.catalog.get_page(TENANT, citation["document_id"],
                                                        citation["page"])
                outcome.quotes += 1
                outcome.quotes_on_page += int(page is not None and normalize(citation["quote"])
                                              in normalize(page.text))
    return outcome
