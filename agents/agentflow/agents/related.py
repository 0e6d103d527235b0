"""Related questions drawn from the retrieved material, without a language model.

From the best sentences the answer did not use, take a topic the question does not already name:
a proper-noun phrase ("Greater China", "AppleCare") if there is one, else the strongest run of
noun-like content words, weighted by how often its words recur across the passages (topical
phrases beat incidental ones). Then ask what the document says about it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePath

from agentflow.agents.selection import STOPWORDS, Scored, content_terms, stem
from agentflow.domain.queries import Passage

_WORD = re.compile("[A-Za-z][A-Za-z0-9'\u2019-]*")
MAX_PHRASE_WORDS = 3
# Words that make a phrase read as a clause rather than a topic.
_CLAUSE_TEXT = """
following table shows shown include includes including included compared primarily partially offset
due related ended ending respectively certain total based approximately generally
"""
_CLAUSE_WORDS = frozenset(_CLAUSE_TEXT.split())


def _noun_like(word: str, asked: set[str]) -> bool:
    lower = word.lower()
    return (len(word) > 2 and lower not in STOPWORDS and lower not in _CLAUSE_WORDS
            and stem(word) not in asked and not lower.endswith(("ly", "ed", "ing")))


def _runs(words: list[str], keep: list[bool]) -> list[list[str]]:
    runs: list[list[str]] = []
    run: list[str] = []
    for word, ok in zip(words, keep, strict=True):
        if ok and len(run) < MAX_PHRASE_WORDS:
            run.append(word)
        else:
            if run:
                runs.append(run)
            run = [word] if ok else []
    if run:
        runs.append(run)
    return runs


def topic(text: str, weights: Counter[str], asked: set[str]) -> str | None:
    """The phrase of ``text`` most worth a follow-up question, if any."""
    words = _WORD.findall(text)
    if not words:
        return None
    proper = [w[0].isupper() and _noun_like(w, asked) for w in words]
    proper[0] = proper[0] and len(words) > 1 and proper[1]  # a capital that only starts a sentence
    names = [run for run in _runs(words, proper) if len(run) > 1 or not run[0].isupper()]
    if names:
        best = max(names, key=lambda run: sum(weights[stem(w)] for w in run))
        return " ".join(best)
    runs = _runs(words, [_noun_like(w, asked) for w in words])
    scored = [(sum(weights[stem(w)] for w in run) + 0.5 * (len(run) > 1), run) for run in runs]
    scored = [item for item in scored if item[0] >= 2]
    if not scored:
        return None
    return " ".join(max(scored, key=lambda item: item[0])[1]).lower()


def related_questions(question: str, passages: list[Passage], unused: list[Scored],
                      *, count: int = 3) -> list[str]:
    """Up to ``count`` distinct follow-up questions about material next to the answer."""
    asked = content_terms(question)
    weights: Counter[str] = Counter()
    for passage in passages:
        weights.update(content_terms(passage.text))
    out: list[str] = []
    seen: set[str] = set()
    for item in unused:
        phrase = topic(item.candidate.sentence.text, weights, asked)
        if phrase is None:
            continue
        key = " ".join(sorted(stem(w) for w in phrase.split()))
        if key in seen:
            continue
        seen.add(key)
        name = PurePath(passages[item.candidate.passage].document_name).stem
        out.append(f"What does {name} say about {phrase}?")
        if len(out) == count:
            break
    return out
