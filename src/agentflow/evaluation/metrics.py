"""Ranking metrics as BEIR/pytrec_eval define them: nDCG@k (graded), recall@k, MRR@k."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

Qrels = Mapping[str, Mapping[str, int]]  # query id -> document id -> relevance grade
Run = Mapping[str, Sequence[tuple[str, float]]]  # query id -> ranked (document id, score)


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    dcg = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(rank + 2)
              for rank, doc in enumerate(ranked[:k]))
    ideal = sorted((grade for grade in relevant.values() if grade > 0), reverse=True)[:k]
    idcg = sum((2 ** grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    wanted = {doc for doc, grade in relevant.items() if grade > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def mrr_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    for rank, doc in enumerate(ranked[:k]):
        if relevant.get(doc, 0) > 0:
            return 1.0 / (rank + 1)
    return 0.0


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    """Means over the judged queries (a judged query missing from the run scores 0)."""
    judged = [q for q, docs in qrels.items() if any(grade > 0 for grade in docs.values())]
    if not judged:
        return {}
    totals = {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    for query in judged:
        ranked = [doc for doc, _ in run.get(query, [])]
        relevant = qrels[query]
        totals["ndcg@10"] += ndcg_at(ranked, relevant, 10)
        totals["recall@10"] += recall_at(ranked, relevant, 10)
        totals["recall@100"] += recall_at(ranked, relevant, 100)
        totals["mrr@10"] += mrr_at(ranked, relevant, 10)
    return {name: value / len(judged) for name, value in totals.items()}


def trec_lines(run: Run, tag: str, depth: int = 100) -> list[str]:
    """``qid Q0 docid rank score tag`` lines, ``depth`` per query."""
    return [f"{query} Q0 {doc} {rank} {score:.6f} {tag}"
            for query, ranked in run.items()
            for rank, (doc, score) in enumerate(ranked[:depth], start=1)]
