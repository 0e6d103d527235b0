"""The final shape of an answer: only verified citations, markers numbered 1..n, timings, usage.

An answer never carries a marker without its citation: a sentence whose quote could not be
verified is dropped (with a warning), and if the citation agent failed altogether the answer is
given without markers and says so in ``warnings``. Either makes the answer ``partial``, as does
a model's answer cut at its output limit. Every fall-back of an agent is a warning too.
"""

from __future__ import annotations

from datetime import datetime

from agentflow.domain.errors import code_for_error_type
from agentflow.domain.messages import AnswerSentence
from agentflow.domain.queries import Citation, QueryResult
from agentflow.workflows.answer_handles import Answered, QueryFailure


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


def compose_result(job: Answered, *, created_at: datetime, now: datetime) -> QueryResult:
    retrieved, synthesized, cited = job.retrieved, job.synthesized, job.cited
    sentences: list[AnswerSentence] = synthesized.sentences
    citing = [s for s in sentences if s.passage is not None]
    answer, confidence = synthesized.answer, synthesized.confidence
    warnings = [*retrieved.fallbacks, *synthesized.fallbacks,
                *(cited.fallbacks if cited else [])]
    partial = synthesized.truncated
    if partial:
        warnings.append("the answer was cut off at the model's output limit")
    citations: list[Citation] = []
    usage = {"retrieval": retrieved.usage, "synthesis": synthesized.usage}
    if citing and cited is None:
        answer = " ".join(s.said for s in sentences)
        warnings.append("citations could not be produced; the answer is given without sources")
        confidence *= 0.5
        partial = True
    elif citing and cited is not None:
        usage["citation"] = cited.usage
        by_marker = {c.n: c for c in cited.citations}
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
    timings = {"retrieval": retrieved.elapsed_ms, "synthesis": synthesized.elapsed_ms,
               "citation": cited.elapsed_ms if cited else 0.0,
               "total": (now - created_at).total_seconds() * 1000}
    first = synthesized.first_token_ms
    if first is not None and synthesized.started_at:
        timings["first_token"] = (synthesized.started_at - created_at.timestamp()) * 1000 + first
    return QueryResult(
        query_id=job.query_id, answer=answer, citations=citations,
        confidence=round(min(max(confidence, 0.0), 1.0), 4),
        related_questions=synthesized.related_questions, usage=usage, warnings=warnings,
        trace_id=job.trace_id, partial=partial,
        timings_ms={name: round(float(value), 2) for name, value in timings.items()},
    )


def failure_problem(job: QueryFailure) -> dict[str, str | None]:
    """The facts of a query whose agents failed for good; the gateway serves them as a problem
    object (``type`` and ``status`` are HTTP's business, added there)."""
    code = code_for_error_type(job.error_type)
    if code == "internal_error":
        code = "agent_failed"
    return {"title": "The question could not be answered", "detail": job.message,
            "code": code, "trace_id": job.trace_id, "query_id": job.query_id}
