"""Table rows rebuilt from line geometry, for the PDF extractor.

A PDF table is drawn cell by cell, and PyMuPDF reads each cell as its own line (often in its own
block), so a row read line by line ("Total revenue", "$", "13,000", ...) no longer says which
number belongs to which label. Lines that sit on one baseline are grouped here into rows, to be
written on one text line in x order; each cell keeps its own box.

Pure functions over line indices, boxes ``(x0, y0, x1, y1)`` and texts, so they are tested
without PDFs and stay cheap: they run for every page the extractor reads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

Box = tuple[float, float, float, float]
Lines = list[list[int]]  # a block's text lines, each a list of cells (line indices)

# Two lines share a baseline when they overlap vertically by at least this share of the
# smaller one's height. Half rather than more: 3M's cash-flow statement sets some figures
# 3.5 pt below their label (58% overlap), while a table's rows never overlap each other.
BASELINE_OVERLAP = 0.5

# Figures as statements print them: "$", "(1,577)", "12.5%", "—", "2021", "$ 1,577".
# Not one ending in a full stop or a comma: that is the end of a sentence, such as a paper's
# column that ends on a cited year ("(2022).").
_FIGURE = re.compile(r"[\d$€£¥%()+\-\u2012-\u2015\u2212.,\s]*"  # figure characters,
                     r"[\d$€£¥%\-\u2012-\u2015\u2212]"  # at least one not a bracket or stop
                     r"[\d$€£¥%()+\-\u2012-\u2015\u2212.,\s]*(?<![.,])")


def is_figure(text: str) -> bool:
    """Whether a cell holds only a number, a currency sign, a percentage or a dash."""
    return _FIGURE.fullmatch(text) is not None


def _continues_paragraph(i: int, boxes: Sequence[Box], figures: Sequence[bool],
                         homes: Sequence[int]) -> bool:
    """Whether line ``i`` is the next line of a paragraph: right under a wider line of words
    of its block, flush left with it. A price ending a paragraph in one column of a page is
    then not a cell of the price next to it in the other column."""
    if i == 0 or homes[i - 1] != homes[i] or figures[i - 1]:
        return False
    above, box = boxes[i - 1], boxes[i]
    return (abs(above[0] - box[0]) <= 1.0 and above[2] - above[0] > box[2] - box[0]
            and 0 <= box[1] - above[3] < box[3] - box[1])


def _rows(cells: list[int], boxes: Sequence[Box], figures: Sequence[bool],
          homes: Sequence[int]) -> list[list[int]]:
    """The table rows among lines on one baseline (most often one row, or none).

    A row runs from the label just left of its first figure to its last figure. Cutting it
    there keeps a two-column page apart: an equation number in the left column does not pull
    in the right column's prose, nor a table in one column the other column's text. A line
    that continues a paragraph starts a part of its own. Without a figure right of the label,
    lines on one baseline are prose columns, not a row."""
    cells.sort(key=lambda i: boxes[i][0])
    for left, right in pairwise(cells):
        a, b = boxes[left], boxes[right]
        # Lines that overlap across more than half the narrower one are stacked or overprinted
        # text, not neighbouring cells: leave them as they are.
        if a[2] - b[0] > 0.5 * min(a[2] - a[0], b[2] - b[0]):
            return []
    parts: list[list[int]] = [[]]
    for i in cells:
        if parts[-1] and _continues_paragraph(i, boxes, figures, homes):
            parts.append([])
        parts[-1].append(i)
    rows: list[list[int]] = []
    for part in parts:
        marks = [k for k, i in enumerate(part) if figures[i]]
        if marks:
            first, last = max(marks[0] - 1, 0), marks[-1]
            if last > first:
                rows.append(part[first:last + 1])
    return rows


def find_rows(boxes: Sequence[Box], texts: Sequence[str],
              homes: Sequence[int]) -> list[list[int]]:
    """Table rows among a page's lines (``homes[i]``: the source block of line ``i``; lines
    come in block order): each a list of line indices in x order, two or more.

    Lines are clustered by their vertical centres; a line joins the current cluster when it
    shares the baseline of the cluster's tallest line (a superscript footnote mark must not
    set the band the next lines are measured against)."""
    match = _FIGURE.fullmatch
    figures = [match(text) is not None for text in texts]
    if not any(figures):
        return []  # prose pages, most of them: nothing to do
    centres = [box[1] + box[3] for box in boxes]
    rows: list[list[int]] = []
    cluster: list[int] = []
    top = bottom = 0.0  # the band of the cluster's tallest line
    figured = False  # whether the cluster has a figure (else it holds no row)
    # Inlined rather than calls: this loop sees every line of every page with a figure.
    for i in sorted(range(len(boxes)), key=centres.__getitem__):
        _, y0, _, y1 = boxes[i]
        own, band = y1 - y0, bottom - top
        overlap = (y1 if y1 < bottom else bottom) - (y0 if y0 > top else top)
        if overlap > 0 and overlap >= BASELINE_OVERLAP * (own if own < band else band):
            cluster.append(i)
            figured = figured or figures[i]
            if own > band:
                top, bottom = y0, y1
            continue
        if figured and len(cluster) > 1:
            rows += _rows(cluster, boxes, figures, homes)
        cluster, top, bottom, figured = [i], y0, y1, figures[i]
    if figured and len(cluster) > 1:
        rows += _rows(cluster, boxes, figures, homes)
    return rows


def arrange(homes: Sequence[int],
            rows: Sequence[Sequence[int]]) -> Sequence[tuple[int | None, Lines]]:
    """The page's text blocks: each a list of text lines, each line a list of cells (line
    indices), with the source block whose box the block still has (``None``: the union of
    its cells' boxes).

    ``homes[i]`` is the source block of line ``i``; lines come in reading order. A row is
    written where its leftmost cell (its label) would have been: other cells may sit in
    blocks read earlier, such as a footnote mark drawn apart from the label. Lines outside
    rows keep their order and their blocks; consecutive rows share a block (one table)."""
    blocks: list[tuple[int, Lines]] = []
    lines: Lines = []
    if not rows:  # most pages: every source block as it is, one text line per line
        home = -1
        for i, source in enumerate(homes):
            if source != home:
                lines, home = [], source
                blocks.append((source, lines))
            lines.append([i])
        return blocks
    anchors = {row[0]: row for row in rows}
    moved = {i for row in rows for i in row[1:]}
    home, in_row = -1, False
    for i, source in enumerate(homes):
        if i in moved:
            continue
        row = anchors.get(i)
        if not lines or (source != home and not (row and in_row)):
            lines = []
            blocks.append((source, lines))
        lines.append(list(row) if row else [i])
        home, in_row = source, row is not None
    sizes = Counter(homes)
    return [(source if _whole(lines, source, homes, sizes) else None, lines)
            for source, lines in blocks]


def _whole(lines: Lines, source: int, homes: Sequence[int],
           sizes: Counter[int]) -> bool:
    """Whether a block holds exactly the lines of its source block (then it keeps its box)."""
    cells = [i for line in lines for i in line]
    return len(cells) == sizes[source] and all(homes[i] == source for i in cells)


def union(boxes: Sequence[Box]) -> Box:
    """The smallest box around all of ``boxes``."""
    return (min(box[0] for box in boxes), min(box[1] for box in boxes),
            max(box[2] for box in boxes), max(box[3] for box in boxes))
