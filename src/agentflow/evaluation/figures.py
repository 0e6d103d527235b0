"""Numbers in answers: read them as written ("$1,577 million", "16.5 %", "(42)") and tell
whether an answer states a gold figure.

A figure keeps what its text shows (digits after the point, a scale word, a percent sign) so
that a match can allow for rounding: gold ``$1577.00`` is stated by ``1,577``, by
``$1,577 million`` and by ``$1.6 billion``. Signs are ignored when matching: "a decline of 42%"
states gold ``-42%``, and ``(1,577)`` in a cash-flow table states a capital expenditure of 1577.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_SCALES = {"thousand": 3, "k": 3, "million": 6, "mn": 6, "m": 6, "mm": 6, "billion": 9,
           "bn": 9, "b": 9, "trillion": 12, "tn": 12}
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<open>\()?(?P<minus>[-\u2212])?(?P<currency>[$€£]\s?)?(?P<minus2>[-\u2212])?"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?!\d|,\d)|\d+)(?:\.(?P<fraction>\d+))?"
    r"(?P<close>\))?(?:\s?(?P<percent>%|percent\b|per cent\b))?"
    r"(?:(?P<space>\s?)(?P<scale>thousand|million|billion|trillion|bn|mn|mm|tn|k|m|b)\b)?"
    r"(?P<glued>-?[^\W\d_])?",
    re.IGNORECASE)
_MARKER = re.compile(r"\s?\[\d+(?:\s*,\s*\d+)*\]")  # an answer's citation markers: [1], [2, 3]
_TOLERANCE = Decimal("0.005")


@dataclass(frozen=True)
class Figure:
    """One number as written: its value, digits after the point, scale word as a power of ten
    (``million`` is 6), and whether it carries a currency or percent sign."""

    value: Decimal
    text: str = ""  # as written: "$1,577 million"
    places: int = 0
    scale: int = 0
    percent: bool = False
    currency: bool = False
    grouped: bool = False  # written with thousands separators
    significant: int = 1  # significant digits shown

    @property
    def is_year(self) -> bool:
        """A bare 4-digit 19xx/20xx integer: 2022, not $2022, 2,022, 2022.0 or 2022%."""
        return (not (self.places or self.scale or self.percent or self.currency or self.grouped)
                and Decimal(1900) <= abs(self.value) < Decimal(2100))


def figures(text: str) -> list[Figure]:
    """Every number of ``text`` in order. Numbers glued to letters (``Q2``, ``FY2022``,
    ``10-K``, ``3M``) are names, not figures, unless a currency sign makes them one
    (``$1.8bn``); so are item numbers ``(1)`` and ``2)``."""
    found = []
    for match in _NUMBER.finditer(text):
        scale = (match["scale"] or "").lower()
        currency = bool(match["currency"])
        if match["glued"] or (scale and not match["space"] and not currency and len(scale) < 2):
            continue
        if match["close"] and len(match[0]) <= 3 and not (currency or match["fraction"]):
            continue  # "(1)" or "2)": a list's item number
        digits, fraction = match["digits"].replace(",", ""), match["fraction"] or ""
        value = Decimal(f"{digits}.{fraction}" if fraction else digits)
        negative = bool(match["minus"] or match["minus2"] or (match["open"] and match["close"]))
        shown = (digits + fraction).lstrip("0")
        written = match[0] if match["open"] and match["close"] else match[0].strip("()")
        found.append(Figure(value=-value if negative else value, text=written, places=len(fraction),
                            scale=_SCALES.get(scale, 0), percent=bool(match["percent"]),
                            currency=currency, grouped="," in match["digits"],
                            significant=max(1, len(shown))))
    return found


def answer_figures(answer: str) -> list[Figure]:
    """The numbers of an answer's text, without its ``[n]`` citation markers (years kept)."""
    return figures(_MARKER.sub("", answer))


def gold_figure(gold: str) -> Figure | None:
    """The main figure of a gold answer: its first number that is not a year."""
    return next((figure for figure in figures(gold) if not figure.is_year), None)


def same_figure(gold: Figure, shown: Figure) -> bool:
    """Does ``shown`` state ``gold``? Magnitudes equal within 0.5%, or ``gold`` rounded to the
    precision ``shown`` is written in (when it shows two significant digits or more). A side
    without a scale word may be in thousands, millions or billions of the other's unit; a
    percentage never matches a number with a scale word."""
    if (gold.percent and shown.scale) or (shown.percent and gold.scale):
        return False
    for gold_scale in _units(gold, shown):
        for shown_scale in _units(shown, gold):
            step = Decimal(1).scaleb(shown_scale - shown.places)
            if _close(abs(gold.value).scaleb(gold_scale), abs(shown.value).scaleb(shown_scale),
                      step, rounding=shown.significant >= 2):
                return True
    return False


def figure_in(gold: Figure, answer: str) -> bool:
    """Does any number of ``answer`` state ``gold``?"""
    return any(same_figure(gold, shown) for shown in answer_figures(answer))


def _units(figure: Figure, other: Figure) -> tuple[int, ...]:
    if figure.scale or not other.scale:
        return (figure.scale,)
    return (0, 3, 6, 9)  # unitless beside a scaled figure: a table "in millions", say


def _close(gold: Decimal, shown: Decimal, step: Decimal, *, rounding: bool) -> bool:
    if abs(gold - shown) <= _TOLERANCE * gold:
        return True
    return rounding and (gold / step).to_integral_value(ROUND_HALF_UP) * step == shown
