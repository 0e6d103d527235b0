"""What a chunk sits under: its document, its page's headings and its table's column header.

Indexed with the chunk (embedded and BM25-encoded in front of its text) but never stored as
its text or cited: a table row such as "Total revenue $ 13,000 $ 11,139 $ 17,455" becomes
findable as the revenue of those years in that company's report, while quotes still verify
against the page's own text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agentflow.domain.documents import Chunk

_PERIOD_TEXT = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec fiscal year years ended ending three six "
    "nine twelve months month weeks week quarter quarters as of at and to in millions "
    "thousands billions except per share shares data amount amounts dollars usd us unaudited "
    "restated change changes increase decrease variance")
_PERIOD_WORDS = frozenset(_PERIOD_TEXT.split())
_BOILERPLATE = re.compile(r"(?i)^(table\s+of\s+contents|index|page\s+\d+|\d+|continued|"
                          r"\(continued\))$")
COLUMNS = "columns: "  # how a column header is named in a context or section
_NUMBER = re.compile(r"\$|\d[\d,]{2,}|\d\.\d")


def is_heading(line: str) -> bool:
    """A short title-like line: few words, mostly capitalised, no figures, no sentence end."""
    words = line.split()
    if not 1 <= len(words) <= 12 or len(line) > 100 or _BOILERPLATE.match(line):
        return False
    if _NUMBER.search(line) or line.endswith((",", ";")) or (
            line.endswith(".") and not re.match(r"(?i)(item|note|part)\s", line)):
        return False
    letters = sum(ch.isalpha() for ch in line)
    if letters < 0.6 * len(line.replace(" ", "")) or (not line[0].isupper() and not line[0].isdigit()):
        return False
    long_words = [w for w in words if len(w) > 3 and w[0].isalpha()]
    return not long_words or sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words)


def _period_years(line: str) -> int:
    """How many years a line of nothing but period words names (0: other words too)."""
    tokens = re.findall(r"[A-Za-z]+|\d+", line)
    years = [t for t in tokens if re.fullmatch(r"(19|20)\d\d", t)]
    rest = [t for t in tokens if t not in years and not (t.isdigit() and len(t) <= 2)]
    return len(years) if all(t.casefold() in _PERIOD_WORDS for t in rest) else 0


def is_column_header(line: str) -> bool:
    """A table's column header of periods: "2018 2017 2016", "December 31, 2022 2021"."""
    return _period_years(line) >= 2


@dataclass
class ColumnHeaders:
    """Reads a page's lines for column headers of periods: one line ("2018 2017 2016"), or
    a stack of lines with one period each ("January 28, 2023" / "January 29, 2022"), as
    tables whose header cells sit one under the other are extracted."""

    _stack: list[str] = field(default_factory=list)

    def read(self, line: str) -> tuple[str, bool]:
        """The header this line completes ("" if none) and whether the line is part of one."""
        years = _period_years(line)
        if years >= 2:
            self._stack.clear()
            return line, True
        if years == 1:
            self._stack.append(line)
            return "", True
        stacked = " ".join(self._stack) if len(self._stack) >= 2 else ""
        self._stack.clear()
        return stacked, False


@dataclass(frozen=True)
class PageOutline:
    """A page's heading lines and column headers with their character offsets."""

    title: str
    heading_at: list[int]
    headings: list[str]
    header_at: list[int]
    headers: list[str]

    @classmethod
    def of(cls, text: str) -> PageOutline:
        heading_at: list[int] = []
        headings: list[str] = []
        header_at: list[int] = []
        headers: list[str] = []
        title: list[str] = []
        reader = ColumnHeaders()
        offset = 0
        for number, raw in enumerate(text.split("\n")):
            line = raw.strip()
            header, in_header = reader.read(line) if line else ("", False)
            if header:
                header_at.append(offset)
                headers.append(header)
            if line and not in_header and is_heading(line):
                heading_at.append(offset)
                headings.append(line)
                # The page's title: its first (at most two) headings of several words, near
                # its top ("3M Company and Subsidiaries", "Consolidated Balance Sheet").
                if number < 8 and len(title) < 2 and len(line.split()) > 1:
                    title.append(line)
            offset += len(raw) + 1
        return cls(" — ".join(title), heading_at, headings, header_at, headers)

    def above(self, start: int) -> tuple[str, str]:
        """The nearest heading and column header at or above offset ``start``."""
        i = bisect.bisect_right(self.heading_at, start) - 1
        j = bisect.bisect_right(self.header_at, start) - 1
        return (self.headings[i] if i >= 0 else "", self.headers[j] if j >= 0 else "")


def split_section(section: str) -> tuple[str, str]:
    """A section's headings and its column header of periods, apart."""
    headings, _, header = section.partition(COLUMNS)
    return headings.rstrip(" |"), header


def chunk_context(label: str, outline: PageOutline, start: int, text: str) -> tuple[str, str]:
    """The context line of a chunk starting at ``start`` of a page with ``outline`` (parts the
    chunk's own text already holds left out), and its section: page title, heading and the
    column header of periods above it (``columns: 2018 2017 2016``)."""
    heading, header = outline.above(start)
    section = " | ".join(dict.fromkeys(part for part in (
        outline.title, heading, f"{COLUMNS}{header}" if header else "") if part))
    parts: list[str] = []
    for part in (label, outline.title, heading):
        if part and part not in parts and part not in text[:200]:
            parts.append(part)
    if header and header not in text:
        parts.append(f"{COLUMNS}{header}")
    return " | ".join(parts), section


def with_context(chunks: Sequence[Chunk], label: str, pages: dict[int, str]) -> list[Chunk]:
    """``chunks`` with their ``context`` set from ``label`` (the document) and their first
    page's outline."""
    outlines = {number: PageOutline.of(text) for number, text in pages.items()}
    placed = []
    for chunk in chunks:
        span = chunk.spans[0] if chunk.spans else None
        outline = outlines.get(span.page) if span else None
        context, section = (chunk_context(label, outline, span.start, chunk.text)
                            if outline is not None and span is not None else (label, ""))
        placed.append(chunk.model_copy(update={"context": context, "section": section}))
    return placed


def indexed_text(chunk: Chunk) -> str:
    """What is embedded and BM25-encoded for a chunk: its context, then its text."""
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text
