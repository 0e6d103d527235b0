"""Routing a question to the documents it is about, before chunk search.

The nearest profiles (``ProfileIndex``: one hybrid query, so the cost does not grow with the
library) are scored by general cues of the question:

- names: an organisation, alias or file-name word of the document appears in the question
  ("Best Buy", "AMEX" as written on the cover, "PEP", "PEPSICO");
- period: the years and quarter the question names against the document's fiscal year and
  quarter; filings carry the years before as comparatives, so the latest year named counts
  most;
- kind: "10-K" / "annual report" / "historically", "10-Q" / "quarter", "earnings" /
  "press release".

Only named documents are preferred. One named document well ahead of the rest restricts the
search to it; otherwise the named ones are boosted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from agentflow.domain.profiles import (
    LEGAL_FORM_WORDS,
    DocumentKind,
    DocumentProfile,
    PreferredDocument,
    Routing,
)
from agentflow.domain.vectors import SearchFilters, SparseVector
from agentflow.retrieval.profile_index import ProfileIndex, file_words

_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_YEAR = re.compile(r"\b(?:fy|fiscal\s+(?:year\s+)?)?'?((?:19|20)\d\d)(?![0-9])|\bfy'?(\d\d)\b",
                   re.I)
_QUARTER = re.compile(r"\bq([1-4])\b|\b(?:fy)?(?:19|20)?\d\dq([1-4])\b|"
                      r"\b(first|second|third|fourth)[\s-]+quarter\b", re.I)
_KINDS = (
    # Figures over the years ("historically", "each year") are an annual report's.
    (DocumentKind.ANNUAL_REPORT, re.compile(r"\b10-?k\b|\bannual\s+report\b|\b(each|every)\s+"
                                            r"year\b|\bhistoric(al|ally)?\b", re.I)),
    (DocumentKind.QUARTERLY_REPORT, re.compile(r"\b10-?q\b|\bquarterly\s+report\b|\bq[1-4]\b|"
                                               r"\bquarter\b", re.I)),
    (DocumentKind.EARNINGS_RELEASE, re.compile(r"\bearnings\b|\bpress\s+release\b", re.I)),
)
# Words of file names and legal forms that name no one.
_FILE_WORDS = ("annual quarterly report earnings release form pdf final draft document copy scan fy "
               "q k")
_GENERIC = LEGAL_FORM_WORDS | frozenset(_FILE_WORDS.split())
NAME, LATEST_YEAR, OTHER_YEAR, WRONG_YEAR, QUARTER, KIND = 2.0, 1.0, 0.5, -0.5, 0.5, 0.5
RESTRICT_MARGIN = 1.0  # how far the best named document must lead to be searched alone


class Profiled(Protocol):
    """A document as routing sees it (a ``Document`` or a ``ProfileHit``)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def profile(self) -> DocumentProfile: ...


def named_years(question: str) -> frozenset[int]:
    """The years a question names: "2022", "FY2022", "fiscal 2022", "FY22", "FY2023Q1"."""
    return frozenset(int(a) if a else 2000 + int(b) for a, b in _YEAR.findall(question))


def words(text: str) -> list[str]:
    """The lower-case words of ``text``, possessives off ("Best Buy's": best, buy)."""
    return re.findall(r"[a-z0-9&]+", re.sub(r"['\u2019]s\b", "", text.casefold()))


@dataclass(frozen=True)
class Cues:
    """What a question says about the documents it means."""

    years: frozenset[int]
    quarter: int | None
    kinds: frozenset[DocumentKind]
    grams: frozenset[str]  # its words and runs of two and three words, squashed together
    raw: str

    @classmethod
    def of(cls, question: str) -> Cues:
        years = named_years(question)
        quarters = [int(a or b) if (a or b) else _ORDINAL[c.lower()]
                    for a, b, c in _QUARTER.findall(question)]
        kinds = frozenset(kind for kind, pattern in _KINDS if pattern.search(question))
        said = words(question)
        grams = {"".join(said[i:i + n]) for n in (1, 2, 3) for i in range(len(said) - n + 1)}
        return cls(years, quarters[0] if quarters else None, kinds,
                   frozenset(grams), question)


def _names(document: Profiled) -> list[str]:
    """Squashed names of a document: organisations less their legal forms, file-name words."""
    profile = document.profile
    names = []
    for org in profile.organisations:
        core = [w for w in words(org) if w not in _GENERIC]
        if core:
            names.append("".join(core))
    names += [w for w in words(file_words(document.name))
              if len(w) >= 3 and w.isalpha() and w not in _GENERIC]
    return names


@dataclass
class Candidate:
    document: Profiled
    score: float
    reasons: list[str] = field(default_factory=list)
    named: bool = False
    dated: bool = False  # its period is one the question names


def assess(document: Profiled, cues: Cues, rank: int) -> Candidate:
    """How well ``document`` fits the question's cues (``rank``: its profile search rank)."""
    profile = document.profile
    found = Candidate(document, 0.5 / (1 + rank))
    name = next((n for n in _names(document) if n in cues.grams), None)
    # Tickers match as written ("PEP", not "pep"); longer short names in any case ("AMEX").
    alias = next((a for a in profile.aliases if re.search(
        rf"\b{re.escape(a)}\b", cues.raw, 0 if len(a) < 4 else re.IGNORECASE)), None)
    if name or alias:
        found.named = True
        found.score += NAME
        found.reasons.append(f"names {alias or name}")
    if cues.years and profile.fiscal_year is not None:
        # Of the year asked: the quarter asked too, or a whole year (it holds the quarter).
        if profile.fiscal_year in cues.years and (
                cues.quarter is None or profile.fiscal_quarter in (None, cues.quarter)):
            found.dated = True
            found.score += LATEST_YEAR if profile.fiscal_year == max(cues.years) else OTHER_YEAR
            found.reasons.append(f"period {profile.period}")
        else:
            found.score += WRONG_YEAR
    if cues.quarter is not None and profile.fiscal_quarter == cues.quarter and (
            not cues.years or profile.fiscal_year in cues.years):
        found.score += QUARTER
    if profile.kind in cues.kinds:
        found.score += KIND
        found.reasons.append(f"kind {profile.kind.value.replace('_', ' ')}")
    return found


def decide(candidates: list[Candidate], *, boost_limit: int = 3) -> Routing:
    """Restrict to one named document well ahead of the rest (and no other one of a period
    the question names), else boost the named ones."""
    named = sorted((c for c in candidates if c.named), key=lambda c: -c.score)
    if not named:
        return Routing(reason="the question names none of the documents")
    if any(c.dated for c in named):  # of the named ones, those of the periods asked about
        named = [c for c in named if c.dated]
    restricted = len(named) == 1 or (named[0].score - named[1].score >= RESTRICT_MARGIN
                                     and not any(c.dated for c in named[1:]))
    chosen = named[:1] if restricted else named[:boost_limit]
    return Routing(restricted=restricted, preferred=[
        PreferredDocument(document_id=c.document.id, document_name=c.document.name,
                          score=round(c.score, 3), reasons=c.reasons) for c in chosen])


@dataclass
class DocumentRouter:
    """Chooses the documents chunk search prefers for a question."""

    profiles: ProfileIndex
    candidates: int = 10  # profiles read per question

    async def route(self, tenant_id: str, question: str, dense: list[float] | None,
                    sparse: SparseVector | None, filters: SearchFilters) -> Routing:
        if filters.document_ids:
            return Routing(reason="the request names its documents")
        hits = await self.profiles.candidates(tenant_id, dense, sparse, tags=filters.tags,
                                              limit=self.candidates)
        if not hits:
            return Routing(reason="no document profiles")
        cues = Cues.of(question)
        return decide([assess(hit, cues, rank) for rank, hit in enumerate(hits)])
