"""Finding a quote on a page and the boxes it covers there.

Quotes are compared with whitespace folded (a PDF breaks lines inside sentences; a reader's quote
does not), and mapped back to the page's own character offsets, from which the extractor's line
geometry gives the boxes. This is the one verification used by the citation agent and by the
page-image highlight.
"""

from __future__ import annotations

from agentflow.domain.documents import DocumentPage
from agentflow.retrieval.sentences import normalize

Box = tuple[float, float, float, float]


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` with whitespace runs folded to one space, and each kept character's offset."""
    chars: list[str] = []
    offsets: list[int] = []
    in_space = True  # drops leading whitespace
    for index, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                chars.append(" ")
                offsets.append(index)
            in_space = True
            continue
        chars.append(ch)
        offsets.append(index)
        in_space = False
    return "".join(chars), offsets


def find_quote(page_text: str, quote: str, *, near: int | None = None) -> tuple[int, int] | None:
    """``[start, end)`` of ``quote`` in ``page_text`` (whitespace-insensitive), or None.

    ``near`` (a raw offset) is where the caller expects it: an occurrence at or after it is
    preferred, so a sentence repeated on a page maps to the right place.
    """
    wanted = normalize(quote)
    if not wanted:
        return None
    folded, offsets = _folded(page_text)
    at = -1
    if near is not None:
        folded_near = next((i for i, offset in enumerate(offsets) if offset >= near), len(offsets))
        at = folded.find(wanted, max(0, folded_near - 2))
    if at < 0:
        at = folded.find(wanted)
    if at < 0:
        return None
    return offsets[at], offsets[at + len(wanted) - 1] + 1


def quote_boxes(page: DocumentPage, start: int, end: int) -> list[Box]:
    """Boxes of the parts of the page's lines that characters ``[start, end)`` cover.

    Within a line, characters are taken to be of equal width: close enough to frame a quote
    that begins or ends mid-line.
    """
    boxes: list[Box] = []
    for block in page.blocks:
        for line in block.lines:
            a, b = max(start, line.start), min(end, line.end)
            if a >= b or line.end <= line.start:
                continue
            x0, y0, x1, y1 = line.bbox
            width = (x1 - x0) / (line.end - line.start)
            boxes.append((round(x0 + width * (a - line.start), 2), round(y0, 2),
                          round(x0 + width * (b - line.start), 2), round(y1, 2)))
    return boxes
