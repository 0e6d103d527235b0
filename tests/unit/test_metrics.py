"""Ranking metrics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from agentflow.evaluation.metrics import evaluate, mrr_at, ndcg_at, recall_at, trec_lines


def test_ndcg_rewards_relevant_documents_near_the_top() -> None:
    relevant = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "x"], relevant, 10) == pytest.approx(1.0)
    expected = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at(["x", "a", "b"], relevant, 10) == pytest.approx(expected)
    assert ndcg_at(["x", "y"], relevant, 10) == 0.0
    assert ndcg_at(["b"], {"a": 2, "b": 1}, 10) == pytest.approx(1 / (3 + 1 / math.log2(3)))


def test_recall_and_mrr_respect_the_cutoff() -> None:
    ranked = [f"d{i}" for i in range(20)]
    assert recall_at(ranked, {"d3": 1, "d15": 1}, 10) == 0.5
    assert recall_at(ranked, {"d3": 1, "d15": 1}, 100) == 1.0
    assert mrr_at(ranked, {"d3": 1}, 10) == 0.25 and mrr_at(ranked, {"d15": 1}, 10) == 0.0


def test_evaluate_averages_over_judged_queries_and_counts_missing_runs_as_zero() -> None:
    scores = evaluate({"q1": [("a", 1.0)]}, {"q1": {"a": 1}, "q2": {"b": 1}})
    assert scores["ndcg@10"] == 0.5 and scores["mrr@10"] == 0.5


def test_trec_lines_are_ranked_and_tagged() -> None:
    assert trec_lines({"q1": [("a", 0.9), ("b", 0.5)]}, "run") == [
        "q1 Q0 a 1 0.900000 run", "q1 Q0 b 2 0.500000 run"]
