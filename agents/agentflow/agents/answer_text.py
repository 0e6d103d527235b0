"""A model's answer read back: its sentences and the passages each one cites with ``[n]``."""

from __future__ import annotations

import re

from agentflow.domain.messages import AnswerSentence

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# A sentence ends at . ! ? (after any markers that follow it) before whitespace, or at a line
# break (lists, paragraphs).
_BOUNDARY = re.compile(r"(?<=[.!?])(?:\s*\[\d+(?:\s*,\s*\d+)*\])*\s+|\n+")
_SPACE = re.compile(r"\s+")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")


def answer_sentences(answer: str, passages: int) -> list[AnswerSentence]:
    """Split ``answer`` into sentences; ``[n]`` markers (1-based, ``[1, 3]`` too) name passages.

    Markers outside ``1..passages`` are ignored: a model cannot cite what it was not given."""
    out: list[AnswerSentence] = []
    position = 0
    for match in [*_BOUNDARY.finditer(answer), None]:
        end = match.end() if match else len(answer)
        piece = answer[position:end]
        position = end
        cited: list[int] = []
        for group in _MARKER.findall(piece):
            for number in group.split(","):
                index = int(number) - 1
                if 0 <= index < passages and index not in cited:
                    cited.append(index)
        text = _SPACE.sub(" ", _BULLET.sub("", _MARKER.sub("", piece))).strip()
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if not text or not any(ch.isalnum() for ch in text):
            continue
        out.append(AnswerSentence(n=len(out) + 1, text=text, passage=cited[0] if cited else None,
                                  cited=cited))
    return out
