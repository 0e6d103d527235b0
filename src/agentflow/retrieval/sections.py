"""Re-ranking passages by the section they sit under.

A question often names the part of a document its answer is in ("... shown in the cash flow
statement", "the balance sheet", "legal proceedings") while the passage holding the figure
is mostly numbers. Each passage carries its page title and nearest heading (``section``);
a ranking of the candidates by how many of the question's words their section holds is fused
with the search's own ranking (weighted reciprocal rank), so a matching section lifts a
passage without burying the search's best.
"""

from __future__ import annotations

from agentflow.domain.queries import Passage
from agentflow.ingestion.context import split_section
from agentflow.retrieval.fusion import fuse_ranks
from agentflow.retrieval.terms import content_terms


def by_section(question: str, passages: list[Passage], *, weight: float) -> list[Passage]:
    """``passages`` re-ranked by their sections' overlap with ``question`` (unchanged when no
    section shares a word with it, or ``weight`` is 0)."""
    asked = {term for term in content_terms(question) if not term[0].isdigit()}
    if weight <= 0 or not asked:
        return passages
    overlap = {p.chunk_id: len(asked & content_terms(split_section(p.section)[0]))
               for p in passages}
    matching = sorted((p for p in passages if overlap[p.chunk_id]),
                      key=lambda p: -overlap[p.chunk_id])  # stable: search order among equals
    if not matching:
        return passages
    return fuse_ranks([(1.0, passages), (weight, matching)], key=lambda p: p.chunk_id)
