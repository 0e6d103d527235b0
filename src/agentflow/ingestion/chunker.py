"""Page-aware chunking by the embedding model's own tokenizer.

Every chunk fits the model's window (so the model never silently truncates text), starts and
ends on word boundaries (so re-tokenising the chunk gives the same word pieces), prefers to end
at a sentence or paragraph end, and records the character span it covers on every page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from agentflow.domain.documents import Chunk, PageSpan
from agentflow.ports.embedder import Tokenizer


class TextPage(Protocol):
    """What chunking reads of a page (``DocumentPage`` and ``PageText`` both have it)."""

    @property
    def number(self) -> int: ...

    @property
    def text(self) -> str: ...

_CHUNK_NAMESPACE = uuid.UUID("6f1b7a52-8d7e-4b0e-9a3c-2f8f1d9c4e21")
_SENTENCE_END = ".!?;:"


def chunk_id(document_id: str, ordinal: int) -> str:
    """Stable id of a chunk (a UUID, as vector indexes want)."""
    return str(uuid.uuid5(_CHUNK_NAMESPACE, f"{document_id}:{ordinal}"))


class _Tokens:
    """The pages' word pieces as parallel arrays: page index, start and end offset in that
    page's text. Arrays, not an object per piece: a 10-Q has ~140k pieces, and building them
    was half of the chunking time."""

    __slots__ = ("end", "ids", "page", "start")

    def __init__(self, pages: Sequence[TextPage], tokenizer: Tokenizer) -> None:
        self.page: list[int] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.ids: list[int] = []
        for index, (ids, offsets) in enumerate(tokenizer.pieces([page.text for page in pages])):
            if offsets:
                starts, ends = zip(*offsets, strict=True)
                self.page.extend([index] * len(offsets))
                self.start.extend(starts)
                self.end.extend(ends)
                self.ids.extend(ids)

    def __len__(self) -> int:
        return len(self.page)


@dataclass(frozen=True)
class ChunkingPolicy:
    max_tokens: int  # content word pieces per chunk (the model window less special tokens)
    overlap_tokens: int = 32
    min_tokens: int = 64  # a cut is never placed earlier than this in a window


def _cut_quality(tokens: _Tokens, pages: Sequence[TextPage], i: int) -> int:
    """How good a cut between token ``i - 1`` and token ``i`` is (0 = not allowed)."""
    page = tokens.page[i - 1]
    if page != tokens.page[i]:
        return 3
    text = pages[page].text
    left_end = tokens.end[i - 1]
    gap = text[left_end:tokens.start[i]]
    if not gap:
        return 0  # inside a word: a cut here would change its word pieces
    last = text[left_end - 1]
    if "\n\n" in gap or (last in _SENTENCE_END and gap.isspace()):
        return 2
    return 1


def _spaced(tokens: _Tokens, pages: Sequence[TextPage], i: int) -> bool:
    """Whether a cut before token ``i`` falls on white space (or a page or text edge): then the
    pieces on either side are the same whether the text is tokenised whole or cut there (a
    gap of characters the tokenizer drops, such as zero-width ones, could join two words)."""
    if i <= 0 or i >= len(tokens) or tokens.page[i - 1] != tokens.page[i]:
        return True
    return pages[tokens.page[i]].text[tokens.end[i - 1]:tokens.start[i]].isspace()


def _best_cut(tokens: _Tokens, pages: Sequence[TextPage], lo: int, hi: int) -> int:
    """The cut in ``(lo, hi]`` of the best quality, latest among equals; ``hi`` if none."""
    best, best_quality = hi, 0
    for i in range(hi, lo, -1):
        quality = _cut_quality(tokens, pages, i) if i < len(tokens) else 3
        if quality > best_quality:
            best, best_quality = i, quality
            if quality >= 2:
                break
    return best


def _word_start(tokens: _Tokens, pages: Sequence[TextPage], i: int, floor: int) -> int:
    while i > floor and _cut_quality(tokens, pages, i) == 0:
        i -= 1
    return i


def _spans(tokens: _Tokens, pages: Sequence[TextPage], a: int, b: int) -> list[PageSpan]:
    first, last = tokens.page[a], tokens.page[b - 1]
    spans = []
    for index in range(first, last + 1):
        start = tokens.start[a] if index == first else 0
        end = tokens.end[b - 1] if index == last else len(pages[index].text)
        if end > start:
            spans.append(PageSpan(page=pages[index].number, start=start, end=end))
    return spans


def chunk_pages(
    pages: Sequence[TextPage],
    tokenizer: Tokenizer,
    policy: ChunkingPolicy,
    *,
    tenant_id: str,
    document_id: str,
) -> list[Chunk]:
    """Split the pages' text into chunks of at most ``policy.max_tokens`` word pieces."""
    tokens = _Tokens(pages, tokenizer)
    chunks: list[Chunk] = []
    start = 0
    while start < len(tokens):
        end = _chunk_end(tokens, pages, start, policy)
        while True:
            spans = _spans(tokens, pages, start, end)
            text = "\n".join(pages[_page_index(pages, s.page)].text[s.start:s.end] for s in spans)
            # Cut between words, a slice re-tokenises into exactly its own word pieces; only a
            # cut forced inside a word needs counting again.
            whole_words = (start == 0 or _cut_quality(tokens, pages, start) > 0) and (
                end == len(tokens) or _cut_quality(tokens, pages, end) > 0)
            count = end - start if whole_words else tokenizer.count(text)
            if count <= policy.max_tokens or end - start <= 1:
                if _spaced(tokens, pages, start) and _spaced(tokens, pages, end):
                    # Exactly these pieces: embedding need not tokenise the text again.
                    tokenizer.remember(text, tokens.ids[start:end])
                break
            end -= max(1, count - policy.max_tokens)  # a cut inside a word re-tokenised longer
        chunks.append(Chunk(
            id=chunk_id(document_id, len(chunks)), document_id=document_id, tenant_id=tenant_id,
            ordinal=len(chunks), text=text, token_count=count,
            page_start=spans[0].page, page_end=spans[-1].page, spans=spans,
        ))
        if end >= len(tokens):
            break
        overlap_start = _word_start(tokens, pages, max(end - policy.overlap_tokens, start + 1),
                                    start + 1)
        start = overlap_start if policy.overlap_tokens and start < overlap_start < end else end
    return chunks


def _chunk_end(
    tokens: _Tokens, pages: Sequence[TextPage], start: int, policy: ChunkingPolicy
) -> int:
    hi = min(start + policy.max_tokens, len(tokens))
    if hi == len(tokens):
        return hi
    end = _best_cut(tokens, pages, start + min(policy.min_tokens, hi - start - 1), hi)
    if _cut_quality(tokens, pages, end) > 0:
        return end
    end = _word_start(tokens, pages, hi, start + 1)
    # One "word" longer than the window (a long number or hash): cut inside it.
    return end if _cut_quality(tokens, pages, end) > 0 else hi


def _page_index(pages: Sequence[TextPage], number: int) -> int:
    # Pages arrive in order and numbered from their first page; find by number for safety.
    first = pages[0].number
    index = number - first
    if 0 <= index < len(pages) and pages[index].number == number:
        return index
    return next(i for i, page in enumerate(pages) if page.number == number)
