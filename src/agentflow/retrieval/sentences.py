"""Sentences of a passage, with their offsets, and caches of splits and embeddings.

A sentence never crosses a page boundary of its chunk (chunks join pages with ``"\\n"``), so a
quote taken from one sentence lies on exactly one page. PDF text breaks lines inside sentences
and lays tables out as short lines without punctuation; over-long runs are cut at line breaks.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from agentflow.domain.documents import PageSpan, page_parts
from agentflow.ports.embedder import Embedder

MAX_SENTENCE_CHARS = 320
MIN_WORDS = 3
_PARAGRAPH = re.compile(r"\n\s*\n")
# A sentence ends at . ! ? (maybe followed by quotes or brackets) before whitespace and a
# capital, digit, quote or bullet.
_END = re.compile("[.!?][\"'\u201d\u2019)\\]]*\\s+(?=[A-Z0-9\"\u201c\u2018'(\\[\u2022])")
_ABBREVIATIONS = frozenset({
    "e.g.", "i.e.", "etc.", "inc.", "corp.", "co.", "ltd.", "no.", "nos.", "vs.", "fig.", "figs.",
    "mr.", "mrs.", "ms.", "dr.", "st.", "u.s.", "jan.", "feb.", "mar.", "apr.", "aug.", "sep.",
    "sept.", "oct.", "nov.", "dec.", "approx.", "al.", "ref.", "eq.", "vol.", "pp.",
})
_WORD = re.compile(r"\w+")
_INITIALISM = re.compile(r"(?:[a-z]\.){2,}")
# Words a sentence or a heading never ends with: a blank line after one of them is a PDF
# putting each printed line in a block of its own, not the end of a paragraph.
_RUNS_ON = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "into", "and",
    "or", "but", "nor", "as", "than", "that", "which", "who", "whose", "its", "their", "our",
    "his", "her", "this", "these", "those", "is", "are", "was", "were", "be", "been", "has",
    "have", "had", "will", "would", "per", "via",
})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Sentence:
    start: int  # offsets into the passage text
    end: int
    text: str  # whitespace folded, for reading


def normalize(text: str) -> str:
    """Fold runs of whitespace (line breaks of the PDF included) into single spaces."""
    return _SPACE.sub(" ", text).strip()


def _segments(text: str, spans: list[PageSpan]) -> list[tuple[int, int]]:
    """``[start, end)`` of each page's part of a chunk's text."""
    return [(start, end) for _, start, end in page_parts(text, spans)]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_abbreviation(text: str, dot: int) -> bool:
    word_start = text.rfind(" ", 0, dot) + 1
    word = text[word_start:dot + 1].lower().lstrip("(\"'“")
    return (word in _ABBREVIATIONS or (len(word) == 2 and word[0].isalpha())  # "J." initials
            or _INITIALISM.fullmatch(word) is not None)  # "a.m.", "S.A.", "N.V."


def _runs_on(segment: str, start: int, end: int) -> bool:
    """Whether the blank line ``segment[start:end]`` is inside a sentence: the text after it
    goes on in lower case ("(previously 6" / "percent), and 9 percent"), or the text before it
    stops on a comma or a word no sentence or heading ends with ("... the" / "Company will")."""
    before = segment[max(0, start - 40):start].rstrip()
    after = segment[end:end + 1]
    if not before or not after or before[-1] in ".!?:;\u2022":
        return False
    # A hyphen after a letter breaks a word ("non-" / "cash"); a dash alone is a table's nil.
    if after.islower() or before[-1] in ",(" or (before[-1] == "-" and before[-2:-1].isalpha()):
        return True
    return before.rsplit(None, 1)[-1].lower() in _RUNS_ON


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut an over-long run at line breaks into pieces of at most ``MAX_SENTENCE_CHARS``."""
    pieces, piece_start = [], start
    while end - piece_start > MAX_SENTENCE_CHARS:
        cut = text.rfind("\n", piece_start + 1, piece_start + MAX_SENTENCE_CHARS)
        if cut <= piece_start:
            cut = text.rfind(" ", piece_start + 1, piece_start + MAX_SENTENCE_CHARS)
        if cut <= piece_start:
            cut = piece_start + MAX_SENTENCE_CHARS
        pieces.append((piece_start, cut))
        piece_start = cut
    pieces.append((piece_start, end))
    return pieces


def split_sentences(text: str, spans: list[PageSpan] | None = None) -> list[Sentence]:
    """The sentences of ``text`` with at least ``MIN_WORDS`` words, in order."""
    sentences: list[Sentence] = []
    for seg_start, seg_end in _segments(text, spans or []):
        segment = text[seg_start:seg_end]
        bounds = [0]
        for paragraph in _PARAGRAPH.finditer(segment):
            if not _runs_on(segment, paragraph.start(), paragraph.end()):
                bounds.append(paragraph.end())
        for match in _END.finditer(segment):
            if not _is_abbreviation(segment, match.start()):
                bounds.append(match.end())
        for a, b in itertools.pairwise([*sorted(set(bounds)), len(segment)]):
            start, end = _trimmed(text, seg_start + a, seg_start + b)
            for piece_start, piece_end in _cut_long(text, start, end):
                piece_start, piece_end = _trimmed(text, piece_start, piece_end)
                folded = normalize(text[piece_start:piece_end])
                if len(_WORD.findall(folded)) >= MIN_WORDS:
                    sentences.append(Sentence(piece_start, piece_end, folded))
    return sentences


class SentenceVectors:
    """Sentence splits per chunk and sentence embeddings per text, each kept in an LRU.

    A chunk's text never changes under its id (re-ingestion deletes and re-creates chunks with
    the same text for the same ids), so neither cache needs invalidation.
    """

    def __init__(self, embedder: Embedder, *, capacity: int = 50_000) -> None:
        self._embedder = embedder
        self._capacity = capacity
        self._splits: OrderedDict[str, list[Sentence]] = OrderedDict()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def sentences(self, chunk_id: str, text: str, spans: list[PageSpan]) -> list[Sentence]:
        with self._lock:
            found = self._splits.get(chunk_id)
            if found is not None:
                self._splits.move_to_end(chunk_id)
                return found
        found = split_sentences(text, spans)
        with self._lock:
            self._splits[chunk_id] = found
            while len(self._splits) > self._capacity:
                self._splits.popitem(last=False)
        return found

    async def vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of ``texts`` (rows in order); only texts not seen recently are embedded."""
        out = np.zeros((len(texts), self._embedder.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for row, text in enumerate(texts):
                cached = self._vectors.get(text)
                if cached is None:
                    missing.setdefault(text, []).append(row)
                else:
                    self._vectors.move_to_end(text)
                    out[row] = cached
        if missing:
            # The query lane: these sentences are on a question's critical path.
            embedded = await asyncio.gather(*(self._embedder.embed_query(t) for t in missing))
            with self._lock:
                for (text, rows), vector in zip(missing.items(), embedded, strict=True):
                    array = np.asarray(vector, dtype=np.float32)
                    self._vectors[text] = array
                    out[rows] = array
                while len(self._vectors) > self._capacity:
                    self._vectors.popitem(last=False)
        return out
