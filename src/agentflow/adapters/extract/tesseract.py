"""Text recognition with Tesseract's command line: a page image in, a text layout out.

The page is rendered in grey at ``OcrOptions.dpi`` and piped to ``tesseract stdin stdout tsv``,
one process per page: a page that runs past its time limit is killed with its process (a call
into a library could not be stopped), and the worker's memory limit bounds it too. The TSV's
words become lines and its paragraphs blocks, in the shape of PyMuPDF's ``dict`` layout, so a
recognised page goes through exactly the same line, row and offset logic as a text page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import pymupdf

from agentflow.domain.extraction import OcrOptions

TESSERACT = "tesseract"
_WORD_LEVEL = "5"
# A page is rendered at no more pixels than this (a poster-sized page at 200 dpi would need
# gigabytes); larger pages are rendered at a lower resolution.
MAX_PIXELS = 25_000_000


class OcrFailed(Exception):
    """Tesseract gave no result for a page: it ran past its time limit or exited with an error."""


@dataclass(frozen=True)
class Recognised:
    """A page's recognised text as a PyMuPDF ``dict`` layout, and the mean word confidence."""

    layout: dict[str, Any]
    confidence: float | None  # 0..1, weighted by word length; None when no word was found


def tesseract_available() -> bool:
    """Whether the ``tesseract`` command is installed on this machine."""
    return shutil.which(TESSERACT) is not None


def recognise(page: pymupdf.Page, options: OcrOptions) -> Recognised:
    """The text Tesseract reads on ``page``'s image, in page coordinates."""
    rect = page.rect
    square_inches = max(rect.width * rect.height / 72 / 72, 1e-6)
    dpi = max(36, min(options.dpi, int((MAX_PIXELS / square_inches) ** 0.5)))
    pixmap: Any = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    image = bytes(pixmap.tobytes("png"))
    # One thread each: pages are recognised in parallel across the extraction workers.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [TESSERACT, "stdin", "stdout", "-l", options.languages, "--dpi", str(dpi), "tsv"],
            input=image, capture_output=True, timeout=options.timeout_s, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise OcrFailed(f"text recognition took longer than {options.timeout_s:g}s") from None
    except OSError as exc:
        raise OcrFailed(f"tesseract could not be run: {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise OcrFailed(f"tesseract failed: {reason[-1] if reason else done.returncode}")
    return layout_from_tsv(done.stdout.decode(errors="replace"), scale=72 / dpi,
                           origin=(rect.x0, rect.y0))


def layout_from_tsv(tsv: str, *, scale: float, origin: tuple[float, float] = (0.0, 0.0),
                    ) -> Recognised:
    """Tesseract's TSV (pixels) as a PyMuPDF ``dict`` layout (points): one block a paragraph,
    one line a TSV line, its words a space apart."""
    paragraphs: dict[tuple[str, str, str], dict[str, list[tuple[str, list[float]]]]] = {}
    weighted = letters = 0.0
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != _WORD_LEVEL or not cells[11].strip():
            continue
        left, top, width, height = (float(cells[k]) for k in (6, 7, 8, 9))
        word = cells[11].strip()
        box = [origin[0] + left * scale, origin[1] + top * scale,
               origin[0] + (left + width) * scale, origin[1] + (top + height) * scale]
        lines = paragraphs.setdefault((cells[1], cells[2], cells[3]), {})
        lines.setdefault(cells[4], []).append((word, box))
        confidence = float(cells[10])
        if confidence >= 0:
            weighted += confidence * len(word)
            letters += len(word)
    blocks = []
    for lines in paragraphs.values():
        block_lines = [{"bbox": _union([box for _, box in words]),
                        "spans": [{"text": " ".join(word for word, _ in words)}]}
                       for words in lines.values()]
        blocks.append({"type": 0, "bbox": _union([line["bbox"] for line in block_lines]),
                       "lines": block_lines})
    return Recognised(layout={"blocks": blocks},
                      confidence=round(weighted / letters / 100, 4) if letters else None)


def _union(boxes: list[Any]) -> list[float]:
    return [min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes)]


def installed_languages() -> frozenset[str]:
    """The languages this machine's Tesseract has data for (empty when it cannot be run)."""
    try:
        done = subprocess.run([TESSERACT, "--list-langs"], capture_output=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = done.stdout.decode(errors="replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())
