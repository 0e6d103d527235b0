"""Does the fast embedding runtime keep retrieval quality? Dense-only SciFact nDCG@10 per runtime.

Each runtime embeds the SciFact corpus (title + abstract, truncated at the model's window as
the model itself would) and the test queries; exact cosine search; nDCG@10 with the BEIR
definition. The issue's bar: the default runtime within 0.01 of PyTorch. Usage:

    .venv/bin/python -m bench.embedding_quality [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import MODEL_CACHE, SHARED, write_result


def load(folder: Path) -> tuple[list[str], list[str], dict[str, str], dict[str, dict[str, int]]]:
    ids, texts = [], []
    with (folder / "corpus.jsonl").open() as handle:
        for line in handle:
            doc = json.loads(line)
            ids.append(doc["_id"])
            texts.append(f"{doc.get('title', '')}. {doc['text']}".strip(". "))
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with (folder / "qrels" / "test.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            qrels[row["query-id"]][row["corpus-id"]] = int(row["score"])
    queries = {}
    with (folder / "queries.jsonl").open() as handle:
        for line in handle:
            query = json.loads(line)
            if query["_id"] in qrels:
                queries[query["_id"]] = query["text"]
    return ids, texts, queries, dict(qrels)


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(score / math.log2(rank + 2) for rank, score in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def main() -> None:
    from agentflow.runtime.embedding import build_embedder
    from agentflow.settings import EmbeddingBackend, EmbeddingSettings, Settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=SHARED / "scifact")
    args = parser.parse_args()
    ids, texts, queries, qrels = load(args.data)
    query_ids = sorted(queries)
    result: dict[str, Any] = {"corpus": len(ids), "queries": len(query_ids)}
    for backend in (EmbeddingBackend.ONNX_INT8, EmbeddingBackend.ONNX_FP32, EmbeddingBackend.TORCH):
        embedder = build_embedder(Settings(embedding=EmbeddingSettings(backend=backend,
                                                                       cache_dir=MODEL_CACHE)))
        started = time.perf_counter()
        corpus = embedder.embed_sync(texts)  # type: ignore[attr-defined]
        seconds = time.perf_counter() - started
        asked = embedder.embed_sync([queries[q] for q in query_ids])  # type: ignore[attr-defined]
        scores = np.asarray(asked) @ np.asarray(corpus).T
        top = np.argsort(-scores, axis=1)[:, :10]
        ndcg = float(np.mean([ndcg_at_10([ids[i] for i in row], qrels[q])
                              for q, row in zip(query_ids, top, strict=True)]))
        result[str(backend)] = {"ndcg_at_10": ndcg, "corpus_seconds": seconds}
        print(f"{backend}: nDCG@10 {ndcg:.4f} (corpus embedded in {seconds:.0f} s)", flush=True)
    delta = result["onnx-int8"]["ndcg_at_10"] - result["torch"]["ndcg_at_10"]
    result["int8_minus_torch"] = delta
    print(f"onnx-int8 - torch: {delta:+.4f}")
    print(f"results: {write_result('embedding-quality', result)}")


if __name__ == "__main__":
    main()
