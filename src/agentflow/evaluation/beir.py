"""BEIR-format retrieval evaluation through the real ingestion path.

Each corpus entry becomes a plain-text document (``title`` then ``text``) ingested by the same
``ingest_document`` workflow as a PDF (chunked by the model's tokenizer, embedded, BM25-encoded,
indexed in Qdrant Edge); each query goes through the same ``SearchService`` the retrieval agent
uses. Chunk hits are folded into documents (a document ranks by its best chunk).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentflow.domain.documents import DocumentMetadata, DocumentStatus
from agentflow.domain.errors import InvalidInput
from agentflow.domain.vectors import SearchMode
from agentflow.evaluation.metrics import Qrels, Run
from agentflow.ingestion.listing import every_document
from agentflow.runtime.container import Container

TENANT = "beir"
MODES = {"dense": (SearchMode.DENSE, False), "bm25": (SearchMode.BM25, False),
         "hybrid": (SearchMode.HYBRID, None), "hybrid-rerank": (SearchMode.HYBRID, True)}


@dataclass
class BeirSet:
    corpus: dict[str, str]  # document id -> text to index
    queries: dict[str, str]  # judged queries of the split
    qrels: Qrels


def _jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_beir(folder: Path, split: str = "test") -> BeirSet:
    """Read ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/{split}.tsv``."""
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for needed in (folder / "corpus.jsonl", folder / "queries.jsonl", qrels_path):
        if not needed.exists():
            raise InvalidInput(f"{needed} is missing: not a BEIR folder for split {split!r}")
    qrels: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            qrels.setdefault(str(row["query-id"]), {})[str(row["corpus-id"])] = int(row["score"])
    corpus = {}
    for entry in _jsonl(folder / "corpus.jsonl"):
        title, text = str(entry.get("title") or "").strip(), str(entry.get("text") or "").strip()
        joined = f"{title}\n\n{text}" if title and text else title or text
        if joined:
            corpus[str(entry["_id"])] = joined
    queries = {str(q["_id"]): str(q["text"]) for q in _jsonl(folder / "queries.jsonl")
               if str(q["_id"]) in qrels}
    return BeirSet(corpus=corpus, queries=queries, qrels=qrels)


async def index_corpus(container: Container, corpus: dict[str, str],
                       progress: Callable[[int, int], None] | None = None) -> int:
    """Ingest every entry (an already indexed one is kept: same bytes, same document); returns
    how many documents are ready."""
    for done, (doc_id, text) in enumerate(corpus.items(), start=1):
        document, duplicate = await container.uploads.accept_text(
            TENANT, doc_id, text, DocumentMetadata(title=doc_id))
        if not duplicate or document.status is DocumentStatus.PENDING:
            container.ingestion.submit(document)
        if progress is not None and done % 500 == 0:
            progress(done, len(corpus))
    await container.ingestion.wait_idle()
    return len([d async for d in every_document(container.catalog, TENANT,
                                                status=DocumentStatus.READY, page=1000)])


async def run_mode(container: Container, queries: dict[str, str], mode: str, *,
                   depth: int = 100) -> Run:
    """Ranked document ids per query for ``mode`` (one of ``MODES``)."""
    search_mode, rerank = MODES[mode]
    run: dict[str, list[tuple[str, float]]] = {}
    for query_id, text in queries.items():
        passages = await container.search.search(TENANT, text, mode=search_mode,
                                                 limit=depth * 2, rerank=rerank)
        ranked: dict[str, float] = {}
        for passage in passages:
            ranked.setdefault(passage.document_name, passage.score)
        run[query_id] = list(ranked.items())[:depth]
    return run
