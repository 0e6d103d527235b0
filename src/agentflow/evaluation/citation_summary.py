"""What one question of the citation eval found, and the figures summed over all of them.

Pure functions of :class:`Outcome`; ``citations`` fills the outcomes through the real query
workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any

from agentflow.evaluation.figures import answer_figures, figure_in, gold_figure

Page = tuple[str, int]  # (document name, 1-based page)


@dataclass
class Outcome:
    """One question asked: where its evidence lies, what was retrieved, cited and answered."""

    question: str
    evidence: set[Page]  # (document name stem, 1-based page)
    gold_answer: str = ""
    retrieved: list[list[Page]] = field(default_factory=list)  # the pages of each passage
    cited: set[Page] = field(default_factory=set)
    answer: str = ""
    quotes_on_page: int = 0
    quotes: int = 0

    def page_at(self, k: int) -> bool:
        """An evidence page among the pages of the first ``k`` passages."""
        return any(page in self.evidence for pages in self.retrieved[:k] for page in pages)

    @property
    def page_cited(self) -> bool:
        return bool(self.cited & self.evidence)

    @property
    def first_document(self) -> str | None:
        return self.retrieved[0][0][0] if self.retrieved and self.retrieved[0] else None

    @property
    def document_first(self) -> bool:
        return self.first_document in {name for name, _ in self.evidence}

    @property
    def document_top10(self) -> bool:
        documents = {name for name, _ in self.evidence}
        return any(name in documents for pages in self.retrieved[:10] for name, _ in pages)

    @property
    def figure_found(self) -> bool | None:
        """Whether the answer states the gold answer's main figure; None without one."""
        gold = gold_figure(self.gold_answer)
        return None if gold is None else figure_in(gold, self.answer)


def summarize(outcomes: list[Outcome]) -> dict[str, float | int | None]:
    """Shares over the questions; ``gold_figure_in_answer`` over the numeric ones only (None
    when there are none) and ``quotes_on_cited_page`` over the citations (1.0 without any)."""
    total = len(outcomes) or 1
    quotes = sum(o.quotes for o in outcomes)
    found = [o.figure_found for o in outcomes if o.figure_found is not None]
    return {
        "questions": len(outcomes),
        "evidence_document_first": sum(o.document_first for o in outcomes) / total,
        "evidence_document_top10": sum(o.document_top10 for o in outcomes) / total,
        "evidence_page_recall@5": sum(o.page_at(5) for o in outcomes) / total,
        "evidence_page_recall@10": sum(o.page_at(10) for o in outcomes) / total,
        "cited_page_hit_rate": sum(o.page_cited for o in outcomes) / total,
        "citations": quotes,
        "quotes_on_cited_page": (sum(o.quotes_on_page for o in outcomes) / quotes) if quotes
        else 1.0,
        "numeric_questions": len(found),
        "gold_figure_in_answer": sum(found) / len(found) if found else None,
        "median_answer_chars": float(median(len(o.answer) for o in outcomes)) if outcomes
        else 0.0,
        "median_answer_numbers": float(median(len(answer_figures(o.answer)) for o in outcomes))
        if outcomes else 0.0,
    }


def question_record(outcome: Outcome) -> dict[str, Any]:
    """One question for ``--json``: its pages as ``[document, page]`` pairs, the first page of
    each retrieved passage in rank order."""
    gold = gold_figure(outcome.gold_answer)
    return {
        "question": outcome.question,
        "evidence": [list(page) for page in sorted(outcome.evidence)],
        "first_document": outcome.first_document,
        "retrieved": [list(pages[0]) for pages in outcome.retrieved if pages],
        "cited": [list(page) for page in sorted(outcome.cited)],
        "answer": outcome.answer,
        "gold_answer": outcome.gold_answer,
        "gold_figure": None if gold is None else gold.text,
        "figure_found": outcome.figure_found,
        "page_at_5": outcome.page_at(5),
        "page_at_10": outcome.page_at(10),
        "page_cited": outcome.page_cited,
        "document_first": outcome.document_first,
    }
