"""Deriving a document's profile from its own text, with general rules (no list of names).

Where each field comes from, best source first:

- organisations: the line above "(Exact name of registrant ...)" on a filing's cover, else
  names ending in a legal form ("Inc.", "Corporation", "plc", ...) that the first pages repeat;
  tickers ("NASDAQ: PEP") become aliases;
- kind: the cover's own words ("FORM 10-K", "quarterly report", "reports first-quarter ...
  results", "Abstract", "user guide", "policy");
- period: "fiscal year ended <date>" / "quarterly period ended <date>" on the cover, fiscal
  quarter words in the text ("second quarter of fiscal 2024", "First-Quarter 2023"), then the
  file name ("2024Q2", "2022 Q3", "FY22");
- title: a usable PDF title, else the cover's first heading lines, else one composed from the
  organisation, kind and period, else the file name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from agentflow.domain.profiles import LEGAL_FORM_WORDS, DocumentKind, DocumentProfile

_MONTH_TEXT = "january february march april may june july august september october november december"
_MONTHS = _MONTH_TEXT.split()
_DATE = r"([A-Z][a-z]+)\.?\s+(\d{1,2}),?\s+((?:19|20)\d\d)"
_FISCAL_END = re.compile(r"fiscal\s+year\s+ended\s*:?\s*" + _DATE, re.IGNORECASE)
_QUARTER_END = re.compile(r"quarterly\s+period\s+ended\s*:?\s*" + _DATE, re.IGNORECASE)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_QUARTER_WORDS = re.compile(
    r"\b(first|second|third|fourth)[\s-]+quarter\s+(?:of\s+)?(?:fiscal\s+(?:year\s+)?)?"
    r"((?:19|20)\d\d)\b", re.IGNORECASE)
_QUARTER_FILE = re.compile(r"(?:^|[^a-z0-9])(?:((?:19|20)\d\d)\s*[-_ ]?\s*q([1-4])|"
                           r"q([1-4])\s*[-_ ]?\s*(?:fy)?((?:19|20)\d\d))(?![0-9])", re.IGNORECASE)
_YEAR_FILE = re.compile(r"(?:^|[^0-9])(?:fy)?((?:19|20)\d\d)(?![0-9])", re.IGNORECASE)
_REGISTRANT = re.compile(r"exact\s+name\s+of\s+(?:the\s+)?registrant", re.IGNORECASE)
_LEGAL = (r"(?i:Inc|Incorporated|Corp|Corporation|Company|Co|Ltd|Limited|LLC|L\.?P|plc|PLC|AG|SE|"
          r"S\.?A|N\.?V|GmbH|Group|Holdings)")
_ORG = re.compile(r"\b((?:[A-Z0-9][\w&'.-]*(?:,?\s+|-))*?[A-Z0-9][\w&'.-]*,?\s+" + _LEGAL
                  + r"\b\.?)")
_LISTING = r"\((?:NYSE|NASDAQ|Nasdaq|NYSE American|LSE|TSX)\s*:"  # "(NASDAQ: PEP)"
_TICKER = re.compile(_LISTING + r"\s*([A-Z][A-Z.]{0,5})\)")
_LISTED = re.compile(r"\s*" + _LISTING)
_JUNK_TITLE = re.compile(r"^(untitled|microsoft word|document\d*|[\d\s._-]+)$", re.IGNORECASE)


def _date(month: str, day: str, year: str) -> date | None:
    try:
        return datetime(int(year), _MONTHS.index(month.lower()) + 1, int(day)).date()
    except ValueError:
        return None


def _kind(cover: str) -> DocumentKind:
    text = cover.casefold()
    rules = (
        (DocumentKind.ANNUAL_REPORT, r"form\s+10-k\b|form\s+20-f\b|annual\s+report\s+pursuant"),
        (DocumentKind.QUARTERLY_REPORT, r"form\s+10-q\b|quarterly\s+report\s+pursuant"),
        (DocumentKind.EARNINGS_RELEASE,
         r"reports?\s+[\w\s-]{0,40}quarter[\w\s-]{0,30}results|earnings\s+release|"
         r"(?:quarter|full[\s-]year)\s+(?:19|20)\d\d\s+results"),
        (DocumentKind.CURRENT_REPORT, r"form\s+8-k\b|current\s+report\s+pursuant"),
        (DocumentKind.PROXY_STATEMENT, r"proxy\s+statement"),
        (DocumentKind.ANNUAL_REPORT, r"\bannual\s+report\b"),
        (DocumentKind.PAPER, r"\babstract\b"),
        (DocumentKind.MANUAL, r"\b(?:user|owner'?s|reference|installation|service)\s+"
                              r"(?:manual|guide)\b|\bhandbook\b"),
        (DocumentKind.POLICY, r"\bpolicy\b|\bcode\s+of\s+conduct\b|\bterms\s+and\s+conditions\b"),
    )
    for kind, pattern in rules:
        if re.search(pattern, text):
            return kind
    return DocumentKind.OTHER


def _clean_org(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" ,")
    # Filings shout the registrant's name; "BEST BUY CO., INC." reads better as "Best Buy Co., Inc."
    return name.title() if name.isupper() and len(name) > 4 else name


def organisations(pages: Sequence[str]) -> tuple[list[str], list[str]]:
    """Organisation names and aliases (tickers) named by the first pages."""
    cover = pages[0] if pages else ""
    found: list[str] = []
    lines = [line.strip() for line in cover.splitlines()]
    for i, line in enumerate(lines):
        if _REGISTRANT.search(line):
            above = [candidate for candidate in lines[max(0, i - 3):i]
                     if candidate and re.search(r"[A-Za-z]{2}", candidate)]
            if above and len(above[-1].split()) <= 8:
                found.append(_clean_org(above[-1]))
            break
    # A cover line that is nothing but a name with a legal form is the document's own
    # organisation; names inside sentences count when the first pages repeat them.
    standalone = [_clean_org(line) for line in lines[:60]
                  if (m := _ORG.fullmatch(line.rstrip(" ,"))) and _plausible(m.group(1))]
    found.extend(name for name in standalone[:1] if name.casefold() not in
                 {known.casefold() for known in found})
    counts: Counter[str] = Counter()
    for text in pages[:3]:
        for match in _ORG.finditer(text):
            if _plausible(match.group(1)):
                # A name followed by its ticker ("PepsiCo, Inc. (NASDAQ: PEP)") is the issuer.
                listed = _LISTED.match(text, match.end())
                counts[_clean_org(match.group(1))] += 2 if listed else 1
    seen = {name.casefold() for name in found}
    for name, count in counts.most_common():
        if len(found) >= 3:
            break
        key = name.casefold()
        if key not in seen and count >= 2:
            found.append(name)
            seen.add(key)
    aliases = {m.group(1) for text in pages[:3] for m in _TICKER.finditer(text)}
    return found, sorted(aliases)


def _abbreviates(short: str, words: Sequence[str]) -> bool:
    """Whether ``short`` is made of prefixes of ``words`` in order ("amex": American Express)."""
    if not short:
        return True
    return bool(words) and any(
        short[:n] == words[0][:n] and _abbreviates(short[n:], words[1:])
        for n in range(min(len(short), len(words[0])), 0, -1))


def _short_names(name: str, pages: Sequence[str]) -> set[str]:
    """Short names the document itself uses often for ``name`` ("Amex" in American Express's
    filings, "FedEx"): capitalised words built from prefixes of two or more of its words."""
    words = [w for w in re.findall(r"[a-z0-9]+", name.casefold()) if w not in LEGAL_FORM_WORDS]
    if len(words) < 2:
        return set()
    counts = Counter(re.findall(r"\b[A-Z][A-Za-z]{2,9}\b", "\n".join(pages)))
    found = set()
    for token, n in counts.items():
        short = token.casefold()
        if n < 3 or short in words:
            continue
        # A prefix of the first word, then prefixes of the next words (at least one more).
        if any(short[:k] == words[0][:k] and short[k:] and _abbreviates(short[k:], words[1:])
               for k in range(1, min(len(words[0]), len(short)) + 1)):
            found.add(token)
    return found


_NOT_AN_ORG = re.compile(r"(?i)^(the|a|an|our|this|its)\b|exchange|(reporting|growth|shell)\s+"
                         r"company|filer\b|commission")


def _plausible(name: str) -> bool:
    """Whether a match of ``_ORG`` names an organisation the document is about: not a
    sentence's start, not the exchanges, filer categories and regulators on every cover."""
    return len(name.split()) <= 6 and not _NOT_AN_ORG.search(name)


def _ends_in(end: date, quarter: int, year: int) -> bool:
    """Whether quarter ``quarter`` of fiscal year ``year`` can end on ``end``: a fiscal year
    ends in some month of its year (a week's slack for 52/53-week years), its quarter ``q``
    3 * (4 - q) months earlier."""
    month = end.year * 12 + end.month - 1 - (1 if end.day <= 7 else 0)
    lag = 3 * (4 - quarter)
    return year * 12 - lag <= month <= year * 12 + 11 - lag


def _period(cover: str, text: str, file_name: str
            ) -> tuple[date | None, int | None, int | None]:
    """Period end, fiscal year and fiscal quarter."""
    end, year, quarter = None, None, None
    if match := _FISCAL_END.search(cover):
        end = _date(*match.groups())
        year = end.year if end else None
        return end, year, None
    if match := _QUARTER_END.search(cover):
        end = _date(*match.groups())
    # A quarter's fiscal year is the year its end date falls in or the next one; the text
    # also names last year's quarter for comparison, so the latest year mentioned wins.
    mentions = Counter((_ORDINAL[m.group(1).lower()], int(m.group(2)))
                       for m in _QUARTER_WORDS.finditer(text))
    fitting = [key for key, n in mentions.items()
               if end is None or (n >= 2 and _ends_in(end, *key))]
    stem = file_name.rsplit(".", 1)[0]
    if fitting:  # the quarter named most, in the latest year it is named with
        most = max(fitting, key=lambda key: mentions[key])[0]
        quarter, year = max(key for key in fitting if key[0] == most)
    elif match := _QUARTER_FILE.search(stem):
        y1, q1, q2, y2 = match.groups()
        year, quarter = int(y1 or y2), int(q1 or q2)
    elif end is not None:
        year = end.year
    elif years := _YEAR_FILE.findall(stem):
        year = int(years[0])
    return end, year, quarter


# Regulatory filings: their PDF titles are accession numbers or "10-Q - 10/28/2022 - ...".
_FILINGS = frozenset({DocumentKind.ANNUAL_REPORT, DocumentKind.QUARTERLY_REPORT,
                      DocumentKind.CURRENT_REPORT, DocumentKind.PROXY_STATEMENT})


def _title(pdf_title: str | None, cover: str, kind: DocumentKind) -> str | None:
    if kind in _FILINGS:
        return None  # a filing's first lines name the regulator: compose one instead
    title = re.sub(r"^microsoft\s+\w+\s*-\s*", "", (pdf_title or "").strip(), flags=re.I)
    if (len(re.findall(r"[A-Za-z]{2,}", title)) >= 2 and not _JUNK_TITLE.match(title)
            and not re.fullmatch(r"[\w.-]+\.(pdf|docx?)", title, re.I)):
        return title[:500]
    heading: list[str] = []
    for line in (line.strip() for line in cover.splitlines()):
        if not line or not re.search(r"[A-Za-z]{3}", line):
            if heading:
                break
            continue
        if len(line.split()) > 14 or (heading and (re.search(r"[@\u2217*,]\s*\d|\d,\s", line)
                                                    or line.lower() == "abstract")):
            break
        heading.append(line.rstrip("-") if line.endswith("-") else line)
        if len(heading) == 2 or line.endswith((".", ":")):
            break
    return " ".join(heading)[:500] if heading else None


PROFILE_PAGES = 30  # the cover and the pages that name the period ("second quarter of ...")


def derive_profile(file_name: str, pdf_title: str | None, pages: Sequence[str]
                   ) -> DocumentProfile:
    """The profile of a document named ``file_name`` whose pages (in order) read ``pages``:
    the first ``PROFILE_PAGES`` name it, all of them its short names."""
    cover = "\n".join(pages[:2])
    kind = _kind(pages[0][:1500] if pages else "")  # the cover's top, not what it cites
    names, aliases = organisations(pages[:PROFILE_PAGES])
    if names:  # short names are used throughout a document, not only on its cover
        aliases = sorted({*aliases, *_short_names(names[0], pages)})
    end, year, quarter = _period(cover, "\n".join(pages[:PROFILE_PAGES]), file_name)
    if kind is DocumentKind.ANNUAL_REPORT:
        quarter = None
    title = _title(pdf_title, pages[0] if pages else "", kind)
    profile = DocumentProfile(title=title, organisations=names, kind=kind, period_end=end,
                              fiscal_year=year, fiscal_quarter=quarter, aliases=aliases)
    if title is None and names:
        profile.title = f"{names[0]} {kind.value.replace('_', ' ')} {profile.period or ''}".strip()
    return profile
