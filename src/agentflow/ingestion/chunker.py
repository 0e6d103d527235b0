"""Page-aware chunking by the embedding model's own tokenizer.

Every chunk fits the model's window (so the model never silently truncates text), starts and
ends on word boundaries (so re-tokenising the chunk gives the same word pieces), prefers to end
at a sentence or paragraph end, and records the character span it covers on every page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from agentflow.domain.documents import Chunk, DocumentPage, PageSpan
from agentflow.ports.embedder import Tokenizer

_CHUNK_NAMESPACE = uuid.UUID("6f1b7a52-8d7e-4b0e-9a3c-2f8f1d9c4e21")
_SENTENCE_END = ".!?;:"


def chunk_id(document_id: str, ordinal: int) -> str:
    """Stable id of a chunk (a UUID, as vector indexes want)."""
    return str(uuid.uuid5(_CHUNK_NAMESPACE, f"{document_id}:{ordinal}"))


@dataclass(frozen=True)
class _Token:
    page: int  # index into the pages list
    start: int
    end: int


@dataclass(frozen=True)
class ChunkingPolicy:
    max_tokens: int  # content word pieces per chunk (the model window less special tokens)
    overlap_tokens: int = 32
    min_tokens: int = 64  # a cut is never placed earlier than this in a window


def _tokens(pages: Sequence[DocumentPage], tokenizer: Tokenizer) -> list[_Token]:
    tokens: list[_Token] = []
    for index, offsets in enumerate(tokenizer.offsets([page.text for page in pages])):
        tokens.extend(_Token(index, start, end) for start, end in offsets)
    return tokens


def _cut_quality(tokens: list[_Token], pages: Sequence[DocumentPage], i: int) -> int:
    """How good a cut between token ``i - 1`` and token ``i`` is (0 = not allowed)."""
    left, right = tokens[i - 1], tokens[i]
    if left.page != right.page:
        return 3
    text = pages[left.page].text
    gap = text[left.end:right.start]
    if not gap:
        return 0  # inside a word: a cut here would change its word pieces
    last = text[left.end - 1]
    if "\n\n" in gap or (last in _SENTENCE_END and gap.isspace()):
        return 2
    return 1


def _best_cut(tokens: list[_Token], pages: Sequence[DocumentPage], lo: int, hi: int) -> int:
    """The cut in ``(lo, hi]`` of the best quality, latest among equals; ``hi`` if none."""
    best, best_quality = hi, 0
    for i in range(hi, lo, -1):
        quality = _cut_quality(tokens, pages, i) if i < len(tokens) else 3
        if quality > best_quality:
            best, best_quality = i, quality
            if quality >= 2:
                break
    return best


def _word_start(tokens: list[_Token], pages: Sequence[DocumentPage], i: int, floor: int) -> int:
    while i > floor and _cut_quality(tokens, pages, i) == 0:
        i -= 1
    return i


def _spans(tokens: list[_Token], pages: Sequence[DocumentPage], a: int, b: int) -> list[PageSpan]:
    first, last = tokens[a], tokens[b - 1]
    spans = []
    for index in range(first.page, last.page + 1):
        start = first.start if index == first.page else 0
        end = last.end if index == last.page else len(pages[index].text)
        if end > start:
            spans.append(PageSpan(page=pages[index].number, start=start, end=end))
    return spans


def chunk_pages(
    pages: Sequence[DocumentPage],
    tokenizer: Tokenizer,
    policy: ChunkingPolicy,
    *,
    tenant_id: str,
    document_id: str,
) -> list[Chunk]:
    """Split the pages' text into chunks of at most ``policy.max_tokens`` word pieces."""
    tokens = _tokens(pages, tokenizer)
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
    tokens: list[_Token], pages: Sequence[DocumentPage], start: int, policy: ChunkingPolicy
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


def _page_index(pages: Sequence[DocumentPage], number: int) -> int:
    # Pages arrive in order and numbered from their first page; find by number for safety.
    first = pages[0].number
    index = number - first
    if 0 <= index < len(pages) and pages[index].number == number:
        return index
    return next(i for i, page in enumerate(pages) if page.number == number)
