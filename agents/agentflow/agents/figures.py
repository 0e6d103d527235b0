"""Figure questions answered with the table row that holds the figure, named and dated.

A question asking for an amount, a ratio or a date is answered first from the rows of the
retrieved passages: a row is a line with a label and figures ("Purchases of property, plant
and equipment (PP&E) (1,577) (1,373) (1,420)"). Its figures are paired with the nearest
column header of periods above it ("2018 2017 2016"), so the answer says what each number is
and for which period ("Purchases of property, plant and equipment (PP&E) was (1,577) million
in 2018"); the row itself is the quote the citation verifies on its page.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from agentflow.agents.selection import content_terms
from agentflow.domain.documents import page_parts
from agentflow.domain.queries import Passage
from agentflow.ingestion.context import ColumnHeaders, is_heading, split_section
from agentflow.retrieval.routing import named_years, words
from agentflow.retrieval.statements import Statement, statement_of

_FIGURE_QUESTION = re.compile(
    r"(?i)\b(how\s+(much|many)|amount|total|value|revenues?|sales|income|profit|loss|expenses?|"
    r"costs?|cash|capex|capital\s+expenditures?|ratio|margin|rate|percent(age)?|growth|eps|"
    r"earnings\s+per\s+share|dividends?|debt|assets|liabilit(y|ies)|equity|inventor(y|ies)|"
    r"price|number\s+of|usd|million|billion|largest|smallest|highest|lowest|most|least)\b|%|\$")
_CELL = re.compile(r"(?<![\w.,])\(?-?\$?\s?\d[\d,]*(?:\.\d+)?\s?%?\)?%?(?![\w])|"
                   r"(?<!\w)[\u2014\u2013-](?!\w)")
_CELLS_ONLY = re.compile(r"(?:\s*(?:" + _CELL.pattern + r"|\$))+\s*")
_UNIT = re.compile(r"(?i)\(\s*(?:\$|usd|dollars)?\s*in\s+(millions|thousands|billions)|"
                   r"\((millions|thousands|billions)\)|in\s+(millions|thousands|billions)\b")
# A number standing alone in a label ("In 2018, ..."); "3M" and "(1)" footnote marks are fine.
_NUMBER_IN_LABEL = re.compile(r"(?<![\w(])\d[\d,]*(?:\.\d+)?(?![\w)])")
MAX_LABEL_WORDS = 14
# The columns of a header of periods: each year, and each change column ("Change", "% Change").
_COLUMN = re.compile(r"\b(?:19|20)\d\d\b|(?i:\bchange\b|\bincrease\b|\bvariance\b)")


# Guidance is said in sentences ("raised its EPS growth guidance to 9 percent"); the rows of
# statements and tables report what happened, never what is expected.
_FORWARD = re.compile(r"(?i)\b(guidance|outlook|forecast(ed|s)?)\b")


def is_figure_question(question: str) -> bool:
    """Whether ``question`` asks for an amount, a ratio, a count or a comparison of reported
    figures (not a forecast: guidance is answered from sentences)."""
    return bool(_FIGURE_QUESTION.search(question)) and not _FORWARD.search(question)


@dataclass(frozen=True)
class Row:
    passage: int  # rank of its passage
    start: int  # offsets of the row's line in the passage text
    end: int
    label: str
    values: list[str]
    periods: list[str]  # the column header's periods, when one is above
    unit: str  # "million", "thousand", "billion" or ""
    text: str  # the line as on the page, white space folded: the quote to cite
    statement: Statement | None = None  # the financial statement it is a line of
    captioned: bool = False  # the statement's caption is above it in the passage (its top)


def _unit(text: str) -> str:
    match = _UNIT.search(text)
    word = next((group for group in match.groups() if group), "") if match else ""
    return word.lower().rstrip("s")


def rows(passage: Passage, rank: int) -> list[Row]:
    """The rows of a passage: lines with a label of words followed by at least one figure."""
    found: list[Row] = []
    # Until a header line shows up in the passage, the one its section names (above the chunk).
    above = split_section(passage.section)[1]
    header: list[str] = _COLUMN.findall(above)
    offset = 0
    unit = _unit(passage.text[:200]) or _unit(above)
    reader = ColumnHeaders()
    # The statement a line belongs to: its page's caption above it (the section's, on the
    # passage's first page); a passage running onto a new page leaves it unknown until the
    # new page's caption.
    statement, captioned = statement_of(passage.section), False
    page_starts = [start for _, start, _ in page_parts(passage.text, passage.spans)[1:]]
    for raw in passage.text.split("\n"):
        line = raw.strip()
        start = offset + (len(raw) - len(raw.lstrip()))
        offset += len(raw) + 1
        if page_starts and start >= page_starts[0]:  # a new page: its own caption, header
            statement, captioned, reader = None, False, ColumnHeaders()
            while page_starts and start >= page_starts[0]:
                page_starts.pop(0)
        if not line:
            continue
        if is_heading(line) and (caption := statement_of(line)) is not None:
            statement, captioned = caption, True
        completed, in_header = reader.read(line)
        if completed:
            header = _COLUMN.findall(completed)
            unit = _unit(completed) or unit
        if in_header:
            continue
        # A row is a label and then nothing but figures: prose that mentions a number is not.
        # The figures start at the first cell after which only cells follow (a dash inside
        # the label, "equipment — net", is not a cell).
        first = next((cell for cell in _CELL.finditer(line)
                      if _CELLS_ONLY.fullmatch(line, cell.start())), None)
        if first is None or first.start() == 0:
            continue
        cells = list(_CELL.finditer(line, first.start()))
        if len(cells) > 1 and re.fullmatch(r"\(\d\)", cells[0].group(0)):
            cells = cells[1:]  # a footnote mark, "(1)", belongs to the label
        label = line[:cells[0].start()].strip(" $:.")
        if len(label.split()) > MAX_LABEL_WORDS or _NUMBER_IN_LABEL.search(label):
            continue  # a sentence that ends in a number, not a line item
        values = [c.group(0).strip().replace("$ ", "$") for c in cells]
        if sum(ch.isalpha() for ch in label) < 3 or len(values) > 8:
            continue
        found.append(Row(rank, start, start + len(line), label, values, header, unit,
                         " ".join(line.split()), statement, captioned))
    return found


def describe(row: Row, years: set[str]) -> str:
    """The row in words: its label, each figure with its period (only the periods the
    question names, when it names any of the row's). A period shown twice (the quarter and
    the year to date, both "2023") is said once, with its first column's figure, as
    statements put the period reported on first."""
    unit = f" {row.unit}" if row.unit and not any(v.endswith("%") for v in row.values) else ""
    if row.periods and len(row.periods) == len(row.values):
        pairs: list[tuple[str, str]] = []
        for value, period in zip(row.values, row.periods, strict=True):
            if all(period != seen for _, seen in pairs):
                pairs.append((value, period))
        wanted = [(v, p) for v, p in pairs if p in years] or [
            (v, p) for v, p in pairs if p[0].isdigit()]
        if len(wanted) == 1:
            value, period = wanted[0]
            return f"{row.label} was {value}{unit} in {period}"
        return f"{row.label}: " + ", ".join(f"{v}{unit} in {p}" for v, p in wanted)
    return f"{row.label}: " + ", ".join(f"{v}{unit}" for v in row.values)


def lexical(question: str, row: Row, *, ignore: AbstractSet[str] = frozenset()) -> float:
    """How much of the question the row's label says, and how much of the label is asked.
    Words in ``ignore`` (the name of the row's document: "PepsiCo" in a question about
    PepsiCo) name the document, not the line item, and count on neither side."""
    asked = {t for t in content_terms(question) if not t[0].isdigit()} - ignore
    label = {t for t in content_terms(row.label) if not t[0].isdigit()} - ignore
    if not asked or not label:
        return 0.0
    shared = len(asked & label)
    # A label all of whose words were asked for is the line item named ("total net sales"),
    # not a line about it ("percentage of total net sales").
    exact = 0.3 if shared == len(label) else 0.0
    return 0.5 * shared / len(asked) + 0.5 * shared / len(label) + exact


# Words of file names that say what kind of document it is, which line items say too
# ("Earnings per share" in an earnings release): they are kept as question words.
_KIND_WORDS = frozenset(content_terms(
    "earnings annual quarterly quarter report results release financial statements form "
    "income revenue sales"))


def name_terms(document_name: str, question: str = "") -> frozenset[str]:
    """The words that name a document: those of its file name ("PEPSICO_2023Q1_EARNINGS.pdf":
    pepsico, q1, 2023), as ``content_terms`` makes them, and the words of ``question`` that
    spell one of the name's words together ("Best Buy" for "BESTBUY_2023_10K.pdf")."""
    tokens = words(re.sub(r"\.pdf$", "", document_name, flags=re.IGNORECASE))
    found = set(content_terms(" ".join(tokens))) - _KIND_WORDS
    asked, joined = words(question), set(tokens)
    for size in (2, 3):
        for start in range(len(asked) - size + 1):
            run = asked[start:start + size]
            if "".join(run) in joined:
                found |= content_terms(" ".join(run))
    return frozenset(found)


def year_match(row: Row, years: set[str]) -> bool:
    """Whether the row has a figure for a year asked (a header of other columns than the
    row's figures says nothing of them)."""
    return len(row.periods) == len(row.values) and bool(years & set(row.periods))


def question_years(question: str) -> set[str]:
    """The years a question names ("FY2018", "2022", "FY22"), as column headers write them."""
    return {str(year) for year in named_years(question)}
