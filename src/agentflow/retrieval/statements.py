"""The primary financial statements: which one a page is, and which one a question wants.

A filing prints each figure several times: in the statement itself (the balance sheet, the
income statement, the cash-flow statement), again in the discussion of results, again in the
notes. Analysts, and the people who check their answers, mean the statement: "capex shown in
the cash flow statement", "PP&E from the balance sheet". So a question that names a statement,
or a metric one statement reports (capital expenditure: cash flows; operating margin: income),
is searched in that statement's pages too, and a figure from them is preferred.

Captions are matched on letters alone, so a title extracted with a broken word
("Consolidated Statement of Cash Flow s", "Balance Shee t") is still recognised.
"""

from __future__ import annotations

import re
from enum import StrEnum

from agentflow.ingestion.context import COLUMNS


class Statement(StrEnum):
    BALANCE = "balance sheet"
    INCOME = "income statement"
    CASH_FLOW = "cash flow statement"
    EQUITY = "statement of equity"


# A title's letters (lower case, nothing else) -> the statement it captions. A caption opens
# its title, after "consolidated", "condensed" or a company's name ending in one of them.
_CAPTIONS: dict[Statement, re.Pattern[str]] = {
    Statement.BALANCE: re.compile(r"balancesheets?|statements?of(consolidated)?financial"
                                  r"(position|condition)|statements?ofcondition"),
    # Not "statements of comprehensive income": other comprehensive income is not results.
    Statement.INCOME: re.compile(r"statements?of(consolidated)?(income|operations|earnings)|"
                                 r"incomestatements?|statements?ofprofitorloss|"
                                 r"profitandlossaccount"),
    Statement.CASH_FLOW: re.compile(r"statements?of(consolidated)?cashflows?|cashflowstatements?"),
    Statement.EQUITY: re.compile(r"statements?of(changesin)?(consolidated)?((shareholders|"
                                 r"stockholders|owners|shareowners)(deficit|equity)|equity)"),
}
_OPENER = re.compile(r"(consolidated|condensed|combined|the)$")
# Words after a caption that make it a heading about the statement, not its title.
_ABOUT = re.compile(r"(data|information|components|arrangements|items|details|highlights|"
                    r"review|discussion|analysis)")
# A title part of a note or of a summary table: what it says of a statement is not the statement.
# The parent company's own statements (a registrant's Schedule I) are not the group's.
_NOT_THE_STATEMENT = re.compile(r"(?i)\b(notes?|supplement\w*|schedules?|selected|summary|"
                                r"parent\s+company|registrant)\b")


# What a question says to name a statement.
_NAMED: dict[Statement, re.Pattern[str]] = {
    Statement.BALANCE: re.compile(r"\bbalance\s+sheets?\b|\bstatements?\s+of\s+financial\s+"
                                  r"(position|condition)\b", re.I),
    Statement.INCOME: re.compile(r"\bincome\s+statements?\b|\bp\s*&\s*l\b|\bprofit\s+and\s+loss\b|"
                                 r"\bstatements?\s+of\s+(income|operations|earnings)\b", re.I),
    Statement.CASH_FLOW: re.compile(r"\bcash\s*flows?\s+statements?\b|\bstatements?\s+of\s+cash\s+"
                                    r"flows?\b", re.I),
    Statement.EQUITY: re.compile(r"\bstatements?\s+of\s+(changes\s+in\s+)?(shareholders|"
                                 r"stockholders)['\u2019]?\s+equity\b", re.I),
}
# Metrics asked for -> the statement that reports them (general accounting, no issuer).
_REPORTED_IN: tuple[tuple[re.Pattern[str], Statement], ...] = tuple(
    (re.compile(asked, re.I), statement) for asked, statement in (
        (r"\bcapital\s+expenditures?|\bcapex\b|\bfree\s+cash\s*flows?|\bfcf\b|"
         r"\b(operating|investing|financing)\s+activities\b|\bd\s*&\s*a\b|"
         r"\bdepreciation\s+and\s+amortization\b|\bdividends?\s+paid\b|\bcash\s+conversion\b",
         Statement.CASH_FLOW),
        (r"\b(operating|gross|net|ebitda)\s+(profit\s+)?margins?\b|\beffective\s+tax\s+rate\b|"
         r"\brevenues?\b|\bnet\s+sales\b|\bcost\s+of\s+(sales|goods\s+sold|revenues?)\b|"
         r"\bcogs\b|\boperating\s+(income|profit)\b|\bnet\s+income\b|\bebitda\b|\beps\b|"
         r"\bearnings\s+per\s+share\b|\bsg\s*&\s*a\b|\binterest\s+expense\b",
         Statement.INCOME),
        (r"\bpp\s*&\s*e\b|\bproperty,?\s+plant\b|\btotal\s+assets\b|\bcurrent\s+(assets|"
         r"liabilities|ratio)\b|\bquick\s+ratio\b|\bworking\s+capital\b|\binventor(y|ies)\b|"
         r"\baccounts\s+(receivable|payable)\b|\bcash\s+and\s+cash\s+equivalents\b|"
         r"\b(total|long[\s-]term)\s+debt\b|\btotal\s+liabilities\b|"
         r"\bshareholders['\u2019]?\s+equity\b|"
         r"\bgoodwill\b", Statement.BALANCE),
    ))


def _caption_of(title: str) -> Statement | None:
    """The statement one title part ("Consolidated Balance Sheets") captions, if any."""
    letters = re.sub(r"[^a-z]", "", title.casefold())
    for statement, caption in _CAPTIONS.items():
        match = caption.search(letters)
        if match is None or _ABOUT.match(letters, match.end()):
            continue
        if match.start() == 0 or _OPENER.search(letters, 0, match.start()):
            return statement
    return None


def statement_of(section: str) -> Statement | None:
    """The statement a passage's section (its page title and headings, joined by " — " and
    " | ") or a heading line captions, if any. A note or a table about a statement
    ("Supplemental Balance Sheet Information", "Selected Income Statement Data", "Off-Balance
    Sheet Arrangements", a parent company's statements in a note) is not the statement."""
    for title in re.split(r"\s+[\u2014|]\s+", section):
        if title.startswith(COLUMNS) or _NOT_THE_STATEMENT.search(title):
            return None
        if (statement := _caption_of(title)) is not None:
            return statement
    return None


def asked_statements(question: str, *, figures: bool = True) -> list[Statement]:
    """The statements ``question`` wants figures from: those it names, else (when it asks
    for ``figures``) those that report the metrics it names; empty when it names neither."""
    named = [statement for statement, pattern in _NAMED.items() if pattern.search(question)]
    if named or not figures:
        return named
    return list(dict.fromkeys(statement for pattern, statement in _REPORTED_IN
                              if pattern.search(question)))


def without_statement_names(question: str) -> str:
    """``question`` with the statements it names taken out: "the cash flow statement" says
    where a figure is, not which row ("cash" is not the capex row's word)."""
    for pattern in _NAMED.values():
        question = pattern.sub(" ", question)
    return question


def caption(statement: Statement) -> str:
    """Words a search for the statement's pages uses."""
    return {
        Statement.BALANCE: "consolidated balance sheets statement of financial position",
        Statement.INCOME: "consolidated statements of income operations earnings",
        Statement.CASH_FLOW: "consolidated statements of cash flows",
        Statement.EQUITY: "consolidated statements of shareholders equity",
    }[statement]
