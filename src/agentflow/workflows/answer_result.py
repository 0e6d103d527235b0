"""The final shape of an answer: only verified citations, markers numbered 1..n, timings, usage.

An answer never carries a marker without its citation: a sentence whose quote could not be
verified is dropped (with a warning), and if the citation agent failed altogether the answer is
given without markers and says so in ``warnings``. Either makes the answer ``partial``, as does
a model's answer cut at its output limit. Every fall-back of an agent is a warning too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agentflow.domain.errors import code_for_error_type
from agentflow.domain.messages import AnswerSentence
from agentflow.domain.queries import AgentUsage, Citation, QueryResult


def _renumbered(sentences: list[AnswerSentence], citations: dict[int, Citation]
                ) -> tuple[str, list[Citation]]:
    parts: list[str] = []
    kept: list[Citation] = []
    for sentence in sentences:
        if sentence.passage is None:  # cites nothing (a model's connecting words): kept bare
            parts.append(sentence.said)
            continue
        citation = citations.get(sentence.n)
        if citation is None:
            continue
        n = len(kept) + 1
        kept.append(citation.model_copy(update={"n": n}))
        parts.append(f"{sentence.said} [{n}]")
    return " ".join(parts), kept


def compose_result(job: dict[str, Any], *, created_at: datetime, now: datetime) -> QueryResult:
    retrieved, synthesized, cited = job["retrieved"], job["synthesized"], job.get("cited")
    sentences = [AnswerSentence.model_validate(s) for s in synthesized["sentences"]]
    citing = [s for s in sentences if s.passage is not None]
    answer, confidence = synthesized["answer"], float(synthesized["confidence"])
    warnings = [*retrieved.get("fallbacks", []), *synthesized.get("fallbacks", []),
                *(cited or {}).get("fallbacks", [])]
    partial = bool(synthesized.get("truncated"))
    if partial:
        warnings.append("the answer was cut off at the model's output limit")
    citations: list[Citation] = []
    usage = {"retrieval": AgentUsage.model_validate(
                 retrieved.get("usage") or {"model": "hybrid-search"}),
             "synthesis": AgentUsage.model_validate(synthesized["usage"])}
    if citing and cited is None:
        answer = " ".join(s.said for s in sentences)
        warnings.append("citations could not be produced; the answer is given without sources")
        confidence *= 0.5
        partial = True
    elif citing and cited is not None:
        usage["citation"] = AgentUsage.model_validate(cited["usage"])
        by_marker = {c.n: c for c in (Citation.model_validate(x) for x in cited["citations"])}
        if len(by_marker) < len(citing):
            dropped = len(citing) - len(by_marker)
            warnings.append(f"{dropped} statement(s) whose quote could not be found on its "
                            "page were left out")
            partial = True
        if by_marker and any(s.start is None for s in citing):
            # A model's sentences: how well the verified quotes support them.
            confidence *= sum(c.support for c in by_marker.values()) / len(by_marker)
        confidence *= len(by_marker) / len(citing)
        answer, citations = _renumbered(sentences, by_marker)
        if not citations:
            answer = ("I found passages that may be related, but could not verify any of them "
                      "on their pages.")
    timings = {"retrieval": retrieved.get("elapsed_ms", 0.0),
               "synthesis": synthesized.get("elapsed_ms", 0.0),
               "citation": (cited or {}).get("elapsed_ms", 0.0),
               "total": (now - created_at).total_seconds() * 1000}
    first = synthesized.get("first_token_ms")
    if first is not None and "started_at" in synthesized:
        timings["first_token"] = (synthesized["started_at"] - created_at.timestamp()) * 1000 + first
    return QueryResult(
        query_id=job["query_id"], answer=answer, citations=citations,
        confidence=round(min(max(confidence, 0.0), 1.0), 4),
        related_questions=synthesized["related_questions"], usage=usage, warnings=warnings,
        trace_id=job.get("trace_id"), partial=partial,
        timings_ms={name: round(float(value), 2) for name, value in timings.items()},
    )


def failure_problem(job: dict[str, Any]) -> dict[str, Any]:
    """The facts of a query whose agents failed for good; the gateway serves them as a problem
    object (``type`` and ``status`` are HTTP's business, added there)."""
    code = code_for_error_type(job["error_type"])
    if code == "internal_error":
        code = "agent_failed"
    return {"title": "The question could not be answered", "detail": job["message"],
            "code": code, "trace_id": job.get("trace_id"), "query_id": job["query_id"]}
