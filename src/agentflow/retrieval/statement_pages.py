"""The pages of the financial statements a question wants, among its routed documents' chunks.

A routed search for "capex shown in the cash flow statement" finds the discussion of cash flows
as readily as the statement. So each preferred document is searched once more, with the
statements' captions added, and of those hits the best chunk of each statement's pages (and
the statement's opening chunk, which holds its top lines) joins the passages.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentflow.domain.documents import page_parts
from agentflow.domain.queries import Passage
from agentflow.domain.vectors import SearchHit
from agentflow.ingestion.context import is_heading
from agentflow.retrieval.statements import Statement, caption, statement_of

STATEMENT_POOL = 50  # chunks of a routed document searched for an asked statement's pages
STATEMENT_DOCUMENTS = 2  # preferred documents whose statement pages are fetched
STATEMENT_SHARE = 3  # at most 1/3 of a routed search's passages are brought-in statement chunks
CAPTION_LINES = 6  # a statement's caption is among its page's first lines,
CAPTION_CHARS = 80  # above any line as long as prose
PAGE_TOP = 40  # characters of a page above a chunk that still starts at its top (white space)


def statement_query(text: str, statements: Sequence[Statement]) -> str:
    """``text`` with the captions of ``statements`` added."""
    return f"{text} {' '.join(caption(s) for s in statements)}"


def opens(hit: SearchHit, statement: Statement) -> bool:
    """Whether a page of the chunk starts with ``statement``'s caption (in its first lines:
    a caption further down is a mention, not a title)."""
    for span, start, end in page_parts(hit.text, hit.spans):
        if span is None or span.start > PAGE_TOP:  # the chunk starts below the page's top
            continue
        lines = [line.strip() for line in hit.text[start:end].split("\n") if line.strip()]
        for line in lines[:CAPTION_LINES]:
            if is_heading(line) and statement_of(line) is statement:
                return True
            if len(line) > CAPTION_CHARS:  # prose: the page's title lines are over
                break
    return False


def statement_hits(hits: list[SearchHit], statements: Sequence[Statement]) -> list[SearchHit]:
    """Of one document's ``hits`` (best first), for each statement: the best chunk of its
    pages, and its opening chunk when that is another one (a chunk running onto the
    statement's first page counts)."""
    chosen: dict[str, SearchHit] = {}
    for statement in statements:
        opening = [hit for hit in hits if opens(hit, statement)]
        opening_ids = {hit.chunk_id for hit in opening}
        of_it = [hit for hit in hits
                 if hit.chunk_id in opening_ids or statement_of(hit.section) is statement]
        for hit in of_it[:1] + opening[:1]:
            chosen.setdefault(hit.chunk_id, hit)
    return list(chosen.values())


def with_statements(passages: list[Passage], pages: list[Passage], limit: int) -> list[Passage]:
    """``passages`` with the statement chunks they lack in place of their last other ones
    (the search's best stay first, statement chunks already there stay), ``limit`` at most."""
    have = {p.chunk_id for p in passages}
    statement_ids = {p.chunk_id for p in pages}
    missing = [p for p in pages if p.chunk_id not in have][:limit // STATEMENT_SHARE]
    kept = list(passages)
    while len(kept) > 1 and len(kept) + len(missing) > limit:
        last_other = next((i for i in range(len(kept) - 1, 0, -1)
                           if kept[i].chunk_id not in statement_ids), len(kept) - 1)
        del kept[last_other]
    return [*kept, *missing][:limit]
