"""Final answers: only verified citations, markers renumbered 1..n, honest warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from agentflow.domain.queries import QueryResult
from agentflow.workflows.answer_handles import Answered, QueryFailure
from agentflow.workflows.answer_result import compose_result, failure_problem

T0 = datetime(2026, 1, 1, tzinfo=UTC)
IDS = {"query_id": "q1", "tenant_id": "t"}


def compose(job: dict[str, Any], *, created_at: datetime, now: datetime) -> QueryResult:
    """The answer composed from the activities' outputs, as the workflow hands them over."""
    answered = Answered.model_validate({
        **IDS, **job, "retrieved": {"passages": [], **job["retrieved"]},
        "synthesized": {**IDS, "found": True, **job["synthesized"]},
        "cited": None if job["cited"] is None else {**IDS, **job["cited"]}})
    return compose_result(answered, created_at=created_at, now=now)


def failure(**fields: str) -> QueryFailure:
    return QueryFailure.model_validate({"tenant_id": "t", "activity": "query_synthesize",
                                        **fields})


def _job(cited: dict[str, Any] | None, n: int = 3) -> dict[str, Any]:
    sentences = [{"n": i, "text": f"Sentence {i}.", "passage": 0, "start": 0, "end": 11,
                  "score": 0.5} for i in range(1, n + 1)]
    answer = " ".join(f"Sentence {i}. [{i}]" for i in range(1, n + 1))
    return {"query_id": "q1", "trace_id": "t", "retrieved": {"elapsed_ms": 5.0},
            "synthesized": {"answer": answer, "sentences": sentences, "confidence": 0.8,
                            "related_questions": ["What else?"], "elapsed_ms": 20.0,
                            "usage": {"model": "extractive", "input_tokens": 100,
                                      "output_tokens": 9},
                            "first_token_ms": 12.0, "started_at": T0.timestamp() + 0.01},
            "cited": cited}


def _citation(n: int) -> dict[str, Any]:
    return {"n": n, "document_id": "d", "document_name": "a.pdf", "page": n,
            "quote": f"Sentence {n}.", "bboxes": [], "support": 0.5, "chunk_id": "c"}


def test_all_verified_keeps_the_answer_and_its_markers() -> None:
    cited = {"citations": [_citation(i) for i in (1, 2, 3)], "usage": {"model": "verbatim-match"},
             "elapsed_ms": 3.0}
    result = compose(_job(cited), created_at=T0, now=T0 + timedelta(milliseconds=40))
    assert result.answer == "Sentence 1. [1] Sentence 2. [2] Sentence 3. [3]"
    assert [c.n for c in result.citations] == [1, 2, 3] and result.warnings == []
    assert result.confidence == 0.8 and result.timings_ms["total"] == 40.0
    assert result.timings_ms["first_token"] == 22.0  # 10 ms to the agent's start + 12 ms


def test_an_unverified_sentence_is_dropped_and_markers_renumbered() -> None:
    cited = {"citations": [_citation(1), _citation(3)], "usage": {"model": "verbatim-match"}}
    result = compose(_job(cited), created_at=T0, now=T0)
    assert result.answer == "Sentence 1. [1] Sentence 3. [2]"
    assert [(c.n, c.page) for c in result.citations] == [(1, 1), (2, 3)]
    assert "could not be found" in result.warnings[0] and result.confidence < 0.8


def test_without_citations_the_answer_has_no_markers_and_says_why() -> None:
    result = compose(_job(None), created_at=T0, now=T0)
    assert result.answer == "Sentence 1. Sentence 2. Sentence 3." and result.citations == []
    assert "without sources" in result.warnings[0] and result.confidence == 0.4


def test_a_failure_becomes_the_facts_of_a_problem() -> None:
    problem = failure_problem(failure(error_type="AgentTimeout", message="too slow",
                                      query_id="q1", trace_id="t"))
    assert problem["code"] == "agent_timeout" and problem["detail"] == "too slow"
    assert "status" not in problem  # HTTP is the gateway's business
    assert failure_problem(failure(error_type="KeyError", message="x", query_id="q")
                           )["code"] == "agent_failed"


def _model_job(cited: dict[str, Any] | None) -> dict[str, Any]:
    """A model's answer: two citing sentences without offsets and one that cites nothing."""
    sentences = [{"n": 1, "text": "Sales rose.", "passage": 0, "cited": [0]},
                 {"n": 2, "text": "In short, it was a good year.", "passage": None},
                 {"n": 3, "text": "Costs fell.", "passage": 1, "cited": [1]}]
    return {"query_id": "q1", "trace_id": "t",
            "retrieved": {"usage": {"model": "gpt", "input_tokens": 9}, "fallbacks": []},
            "synthesized": {"answer": "Sales rose [1]. In short, it was a good year. Costs fell [2].",
                            "sentences": sentences, "confidence": 1.0, "related_questions": [],
                            "usage": {"model": "gpt", "input_tokens": 500, "output_tokens": 20},
                            "fallbacks": ["the synthesis agent fell back from big to gpt (500)"]},
            "cited": cited}


def test_a_model_answer_keeps_bare_sentences_and_its_confidence_is_the_quotes_support() -> None:
    cited = {"citations": [{**_citation(1), "support": 0.9}, {**_citation(3), "support": 0.7}],
             "usage": {"model": "gpt"}}
    result = compose(_model_job(cited), created_at=T0, now=T0)
    assert result.answer == "Sales rose. [1] In short, it was a good year. Costs fell. [2]"
    assert result.confidence == 0.8 and result.partial is False
    assert result.warnings == ["the synthesis agent fell back from big to gpt (500)"]
    assert result.usage["retrieval"].model == "gpt"


def test_dropped_statements_missing_sources_and_a_cut_answer_make_it_partial() -> None:
    one = compose(_model_job({"citations": [_citation(1)], "usage": {"model": "gpt"}}),
                         created_at=T0, now=T0)
    assert one.partial and one.answer == "Sales rose. [1] In short, it was a good year."
    none = compose(_model_job(None), created_at=T0, now=T0)
    assert none.partial and "without sources" in none.warnings[-1]
    job = _model_job({"citations": [_citation(1), _citation(3)], "usage": {"model": "gpt"}})
    job["synthesized"]["truncated"] = True
    cut = compose(job, created_at=T0, now=T0)
    assert cut.partial and "output limit" in cut.warnings[-1]
