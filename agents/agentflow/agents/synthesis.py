"""The extractive synthesis agent: an answer built from the passages' own sentences.

It needs no language model and never invents text: every sentence of the answer is a sentence
of a retrieved passage, marked ``[n]`` for the citation agent. It streams the answer into the
query's event stream as ``token`` events while it writes it, and says plainly when nothing
relevant was found.
"""

from __future__ import annotations

import re
import time

import numpy as np
import structlog

from agentflow.agents.figures import (
    Row,
    describe,
    is_figure_question,
    lexical,
    name_terms,
    question_years,
    rows,
    year_match,
)
from agentflow.agents.ratios import asked_ratio, asks_trend, compute, unreported
from agentflow.agents.related import related_questions
from agentflow.agents.retrieval import search_text
from agentflow.agents.selection import (
    Candidate,
    confidence,
    is_relevant,
    score,
    select,
    shortlist,
)
from agentflow.domain.messages import (
    AgentMessage,
    AgentName,
    AnswerSentence,
    SynthesisRequest,
    SynthesisResponse,
    expect,
)
from agentflow.domain.queries import AgentUsage
from agentflow.ports.event_log import EventLog
from agentflow.retrieval.lexicon import expanded
from agentflow.retrieval.sentences import SentenceVectors
from agentflow.retrieval.statements import asked_statements, without_statement_names

log = structlog.get_logger(__name__)
MODEL = "extractive"
NOTHING_FOUND = ("I could not find anything about this in your documents. Try other words, or "
                 "check that the documents you mean are uploaded and ready.")
_TOKEN = re.compile(r"\S+\s*")
FIGURE_PASSAGES, FIGURE_SHORTLIST, FIGURE_FLOOR = 6, 32, 0.3
FIGURE_CONTEXT = 2  # sentences after the rows of a figure answer
RATIO_SCORE = 0.9  # a ratio computed from both its parts' rows
UNREPORTED_SCORE = 0.3  # a ratio whose statement was found without the ratio's part
STATEMENT_WEIGHT = 0.15  # a row in the statement asked for (0.3 of it: in another statement)
MAX_FIGURES_IN_SENTENCE = 5
_FIGURE = re.compile(r"\d[\d,.]*")


def _tabular(candidate: Candidate) -> bool:
    """Whether a sentence is a run of table cells (more figures than a sentence needs)."""
    return len(_FIGURE.findall(candidate.sentence.text)) > MAX_FIGURES_IN_SENTENCE


def _overlaps(candidate: Candidate, row: Row) -> bool:
    """Whether a sentence holds (part of) a row the answer already gives."""
    sentence = candidate.sentence
    return (candidate.passage == row.passage and sentence.start < row.end
            and row.start < sentence.end)


async def stream_tokens(events: EventLog, stream: str | None, text: str, attempt: int) -> None:
    """Append ``text`` to ``stream`` as ``token`` events, a word (with its space) at a time."""
    if stream is None:
        return
    for piece in _TOKEN.findall(text):
        await events.append(stream, "token", {"text": piece, "attempt": attempt})


class ExtractiveSynthesisAgent:
    name = AgentName.SYNTHESIS

    def __init__(self, sentences: SentenceVectors, events: EventLog, *,
                 max_sentences: int = 5, min_cosine: float = 0.35, shortlist: int = 12) -> None:
        self._sentences = sentences
        self._events = events
        self._max_sentences = max_sentences
        self._min_cosine = min_cosine
        self._shortlist = shortlist

    async def handle(self, message: AgentMessage) -> SynthesisResponse:
        request = expect(message, SynthesisRequest, self.name)
        started = time.perf_counter()
        question = expanded(search_text(request.question, request.history))
        # The words naming each passage's document say nothing of which line answers.
        names = {rank: name_terms(passage.document_name, request.question)
                 for rank, passage in enumerate(request.passages)}
        figures = (await self._figures(expanded(without_statement_names(request.question)),
                                       request, names)
                   if is_figure_question(request.question) else [])
        candidates = await self._candidates(question, request, names)
        ranked = score(candidates, question, names)
        # A figure question gets the row or two that answer it and a sentence or two of
        # context, not a dump of tables.
        limit = min(self._max_sentences, FIGURE_CONTEXT) if figures else self._max_sentences
        if not any(is_relevant(item, min_cosine=self._min_cosine) for item in ranked):
            # Nothing relevant among the sentences holding the question's own words: those
            # that only share the words naming the document are read before giving up.
            seen = {(c.passage, c.sentence.start) for c in candidates}
            ranked = score([*candidates, *(c for c in await self._candidates(
                question, request, {}) if (c.passage, c.sentence.start) not in seen)],
                question, names)
        chosen = [item for item in select(ranked, max_sentences=limit, min_cosine=self._min_cosine)
                  if not figures or not (_tabular(item.candidate) or any(
                      _overlaps(item.candidate, row) for row, _, _ in figures))]
        first_token_ms = (time.perf_counter() - started) * 1000
        if not chosen and not figures:
            await stream_tokens(self._events, request.stream, NOTHING_FOUND, request.attempt)
            return self._response(request, NOTHING_FOUND, [], 0.0, [], found=False,
                                  first_token_ms=first_token_ms)
        # Keep a passage's sentences together and in reading order, best passage first.
        chosen_ids = {id(item) for item in chosen}
        first_rank: dict[int, int] = {}
        for rank, item in enumerate(chosen):
            first_rank.setdefault(item.candidate.passage, rank)
        chosen = sorted(chosen, key=lambda s: (first_rank[s.candidate.passage],
                                               s.candidate.sentence.start))
        # Figure rows first (their wording names the periods; the row is the quote), then
        # the sentences; one numbering, one stream.
        pieces: list[tuple[str, int, int, int, float, str | None]] = [
            (row.text, row.passage, row.start, row.end, value, wording)
            for row, value, wording in figures]
        for item in chosen:
            c = item.candidate
            pieces.append((c.sentence.text, c.passage, c.sentence.start, c.sentence.end,
                           item.score, None))
        sentences, parts = [], []
        for n, (text, passage, start, end, value, wording) in enumerate(pieces, start=1):
            sentence = AnswerSentence(n=n, text=text, passage=passage, start=start, end=end,
                                      wording=wording, score=round(float(np.clip(value, 0, 1)), 4))
            sentences.append(sentence)
            part = f"{sentence.said} [{n}]" + (" " if n < len(pieces) else "")
            parts.append(part)
            await stream_tokens(self._events, request.stream, part, request.attempt)
        unused = [item for item in ranked if id(item) not in chosen_ids]
        related = related_questions(request.question, request.passages, unused)
        value = confidence(chosen, min_cosine=self._min_cosine)
        if figures:  # a figure found for the period asked is what the question wanted
            value = max(value, float(np.clip(figures[0][1], 0.05, 0.99)))
        return self._response(request, "".join(parts), sentences, value, related,
                              found=True, first_token_ms=first_token_ms)

    async def _figures(self, question: str, request: SynthesisRequest,
                       names: dict[int, frozenset[str]]) -> list[tuple[Row, float, str]]:
        """The row (or two) of the passages that best answers a figure question, with their
        scores and wording: a ratio asked for computed from its parts' rows, else the rows
        scored by the meaning of their label, the question words it holds, their passage's
        rank, whether their column header has the period asked for, and whether they sit in
        the financial statement the question wants (the statement, not a note or the
        discussion repeating the figure, is what a reader checks)."""
        years = question_years(question)
        asked = set(asked_statements(request.question))
        found = [row for rank, passage in enumerate(request.passages)
                 if rank < FIGURE_PASSAGES or asked  # later passages: their statement rows
                 for row in rows(passage, rank)
                 if rank < FIGURE_PASSAGES or row.statement in asked]
        if not found:
            return []

        def statement(row: Row) -> float:  # nothing unless the question wants a statement
            kind = row.statement
            return 0.0 if not asked or kind is None else 1.0 if kind in asked else 0.3

        found = sorted(found, key=lambda row: -statement(row))  # stable: rank among equals
        ratio = asked_ratio(question)
        computed = (compute(ratio, found, years, trend=asks_trend(question))
                    if ratio is not None else None)
        if computed is not None:
            return [(computed.numerator, RATIO_SCORE, computed.wording),
                    (computed.denominator, RATIO_SCORE,
                     f"{describe(computed.denominator, years)}.")]
        missing = unreported(ratio, found) if ratio is not None else None
        if missing is not None:  # the statement is there, the ratio's part is not
            return [(missing.numerator, UNREPORTED_SCORE, missing.wording)]

        def said(row: Row) -> float:  # the row's words asked for, the document's name aside
            return lexical(question, row, ignore=names.get(row.passage, frozenset()))

        def promise(row: Row) -> float:
            return (said(row) + 0.3 / (1 + row.passage)
                    + 0.3 * year_match(row, years) + STATEMENT_WEIGHT * statement(row))

        found = sorted(found, key=promise, reverse=True)[:FIGURE_SHORTLIST]
        embedded = await self._sentences.vectors([question, *(row.label for row in found)])
        cosines = embedded[1:] @ embedded[0]
        scored = sorted(((row, 0.55 * float(cos) + 0.3 * said(row)
                          + 0.1 / (1 + row.passage) + 0.15 * year_match(row, years)
                          + STATEMENT_WEIGHT * statement(row))
                         for row, cos in zip(found, cosines, strict=True)),
                        key=lambda item: -item[1])
        best_row, best = scored[0]
        if best < FIGURE_FLOOR:
            return []
        chosen = [(best_row, best, f"{describe(best_row, years)}.")]
        for row, value in scored[1:]:
            # A second row must be one the question names too, not a neighbour of the first.
            if (value >= 0.9 * best and row.label != best_row.label
                    and said(row) > 0):
                chosen.append((row, value, f"{describe(row, years)}."))
                break
        return chosen

    async def _candidates(self, question: str, request: SynthesisRequest,
                          names: dict[int, frozenset[str]]) -> list[Candidate]:
        everything = [(rank, sentence) for rank, passage in enumerate(request.passages)
                      for sentence in self._sentences.sentences(passage.chunk_id, passage.text,
                                                                passage.spans)]
        if not everything:
            return []
        chosen = shortlist(question, everything, self._shortlist, names)
        # The question's vector is usually cached already: retrieval embedded the same text.
        embedded = await self._sentences.vectors([question, *(s.text for _, s in chosen)])
        vectors = embedded[1:]
        cosines = vectors @ embedded[0]
        return [Candidate(rank, sentence, float(cosine), vector)
                for (rank, sentence), cosine, vector in zip(chosen, cosines, vectors, strict=True)]

    def _response(self, request: SynthesisRequest, answer: str, sentences: list[AnswerSentence],
                  value: float, related: list[str], *, found: bool,
                  first_token_ms: float) -> SynthesisResponse:
        words_in = sum(len(p.text.split()) for p in request.passages)
        usage = AgentUsage(model=MODEL, input_tokens=words_in, output_tokens=len(answer.split()))
        return SynthesisResponse(
            trace_id=request.trace_id, tenant_id=request.tenant_id, query_id=request.query_id,
            answer=answer, sentences=sentences, confidence=round(value, 4),
            related_questions=related, found=found, usage=usage, first_token_ms=first_token_ms)
