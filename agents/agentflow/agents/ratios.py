"""Ratios computed from the rows that hold their parts: margins, tax rates, liquidity.

Analysts ask for ratios ("operating margin", "effective tax rate", "current ratio") that
statements never print: they print the parts. When a question names one of these ratios and
the retrieved passages hold a row for its numerator and one for its denominator with the same
periods, the ratio is computed for the period asked (or every period shown) and said with its
parts, each part cited by its own row:

    Operating margin was 27.9% in 2022 (Operating income 6,098 / Total revenue 17,606).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from agentflow.agents.figures import Row
from agentflow.retrieval.statements import Statement


@dataclass(frozen=True)
class Ratio:
    name: str
    asked: re.Pattern[str]
    numerator: re.Pattern[str]  # a row label of the numerator
    denominator: re.Pattern[str]
    part: str  # the numerator in words
    statement: Statement  # the statement that shows the numerator
    percent: bool = True


def _ratio(name: str, asked: str, numerator: str, denominator: str, *, part: str,
           statement: Statement = Statement.INCOME, percent: bool = True) -> Ratio:
    return Ratio(name, re.compile(asked, re.I), re.compile(numerator, re.I),
                 re.compile(denominator, re.I), part, statement, percent)


_REVENUE = r"^(total\s+)?(net\s+)?(revenues?|sales)(,?\s+net)?$"
RATIOS = (
    _ratio("operating margin", r"\boperating\s+(profit\s+)?margin",
           r"^(total\s+)?(operating\s+(income|profit|earnings)|(income|earnings)\s+from\s+"
           r"operations)(\s+\(loss\))?$", _REVENUE,
           part="operating income"),
    _ratio("gross margin", r"\bgross\s+(profit\s+)?margin", r"^(total\s+)?gross\s+(profit|margin)$",
           _REVENUE, part="gross profit"),
    _ratio("net profit margin", r"\bnet\s+(profit\s+|income\s+)?margin",
           r"^net\s+income(\s+attributable\s+to\s+[\w.,&' ]+)?$", _REVENUE, part="net income"),
    _ratio("effective tax rate", r"\beffective\s+(income\s+)?tax\s+rate",
           r"^(\(?(provision|benefit)\s+(for|from)\)?\s*|total\s+)*income\s+tax(es)?"
           r"(\s+expense)?(\s+\((benefit|provision)\))?$",
           r"^income\s+(\(loss\)\s+)?before\s+(provision\s+for\s+)?income\s+taxes$",
           part="income tax expense"),
    _ratio("current ratio", r"\bcurrent\s+ratio", r"^total\s+current\s+assets$",
           r"^total\s+current\s+liabilities$", part="total current assets",
           statement=Statement.BALANCE, percent=False),
)


def asked_ratio(question: str) -> Ratio | None:
    """The ratio ``question`` asks for, if it is one this module computes."""
    return next((ratio for ratio in RATIOS if ratio.asked.search(question)), None)


def amount(cell: str) -> Decimal | None:
    """A cell's number: "(1,577)" is -1577, "$ 5,363" 5363, a dash or a percentage none."""
    text = cell.replace("$", "").replace(",", "").replace(" ", "").strip()
    if not text or text.endswith("%") or not any(ch.isdigit() for ch in text):
        return None
    negative = text.startswith("(") and text.endswith(")")
    try:
        value = Decimal(text.strip("()"))
    except InvalidOperation:
        return None
    return -value if negative else value


def _columns(row: Row) -> dict[str, Decimal]:
    """The row's figures by period (the first column of a period wins: the current one)."""
    if len(row.periods) != len(row.values):
        return {}
    found: dict[str, Decimal] = {}
    for period, cell in zip(row.periods, row.values, strict=True):
        value = amount(cell)
        if value is not None and period[0].isdigit():
            found.setdefault(period, value)
    return found


def _label(row: Row) -> str:
    return re.sub(r"\s*\(\d\)$", "", row.label).strip(" :")


@dataclass(frozen=True)
class Computed:
    wording: str  # the sentence that says the ratio and its parts
    numerator: Row
    denominator: Row


_TREND = re.compile(r"(?i)\b(improv\w*|declin\w*|trend\w*|chang\w*|consistent\w*|historic\w*|"
                    r"over\s+time|growth|grow\w*|compare\w*|profile)\b")


def asks_trend(question: str) -> bool:
    """Whether ``question`` asks how something moved, not its value at one time."""
    return bool(_TREND.search(question))


def _movement(ratio: Ratio, values: list[Decimal], periods: list[str]) -> str:
    """Which way the ratio moved from the period before the first one shown, in words."""
    if len(values) < 2:
        return ""
    change = values[0] - values[1]
    size = f"{abs(change) * 100:.1f} points" if ratio.percent else f"{abs(change):.2f}"
    if change == 0:
        return f", unchanged from {periods[1]}"
    return f", {'up' if change > 0 else 'down'} {size} from {periods[1]}"


def compute(ratio: Ratio, rows: list[Row], years: set[str], *, trend: bool = False
            ) -> Computed | None:
    """``ratio`` from the best-ranked numerator and denominator rows sharing periods: for the
    periods asked, or (``trend``, or none asked) every period both rows show."""
    tops = [r for r in rows if ratio.numerator.match(_label(r)) and _columns(r)]
    bottoms = [r for r in rows if ratio.denominator.match(_label(r)) and _columns(r)]
    for top in tops:
        for bottom in bottoms:
            shared = [p for p in _columns(top) if p in _columns(bottom)
                      and _columns(bottom)[p] != 0]
            wanted = shared if trend else [p for p in shared if p in years] or shared
            if not wanted:
                continue
            values = [_columns(top)[p] / _columns(bottom)[p] for p in wanted]
            said = [f"{v * 100:.1f}% in {p}" if ratio.percent else f"{v:.2f} in {p}"
                    for v, p in zip(values, wanted, strict=True)]
            first = wanted[0]
            wording = (f"{ratio.name.capitalize()} was {', '.join(said)}{_movement(ratio, values, wanted)}"
                       f" ({_label(top)} {_columns(top)[first]:,} / {_label(bottom)} "
                       f"{_columns(bottom)[first]:,} in {first}).")
            return Computed(wording, top, bottom)
    return None


def unreported(ratio: Ratio, rows: list[Row]) -> Computed | None:
    """When the top of the statement that shows the ratio's numerator is at hand (its caption
    is in a passage) but no row holds the numerator, nor the ratio itself: a sentence saying
    so, quoting the statement's first row. Banks, for one, report no gross profit or operating
    income; saying that, with the statement to check, answers "is operating margin a useful
    metric here?". It says what the passages show, no more."""
    if any(ratio.numerator.match(_label(r)) or ratio.asked.search(r.label) for r in rows):
        return None
    shown = next((r for r in rows if r.statement is ratio.statement and r.captioned), None)
    if shown is None:
        return None
    wording = (f"The {ratio.statement.value} found shows no {ratio.part} line, so "
               f"{ratio.name} could not be computed from it.")
    return Computed(wording, shown, shown)
