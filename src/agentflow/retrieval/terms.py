"""Words that carry meaning: stopwords, a light stemmer, and a text's content terms.

Shared by the agents (sentence scoring, figure rows) and by search (section re-ranking).
Search proper (BM25) has its own tokenizer; these terms only rank what search found.
"""

from __future__ import annotations

import re

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves tell show give list describe
explain please many much
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_TERM = re.compile(r"[A-Za-z][A-Za-z0-9'-]+|\d[\d,.]*%?")
_FISCAL_YEAR = re.compile(r"fy(\d\d|(?:19|20)\d\d)")


def stem(word: str) -> str:
    """A light suffix stripper ("-tion" included), then the word's first seven letters
    (truncation stemming): the words of one family meet ("geographies", "geographic";
    "operates", "operations"), which suffix rules alone miss, at the price of rare false
    friends ("internal", "international"). Six letters joined too many ("current",
    "currency"; "continuing", "contingencies")."""
    # A possessive is the word itself ("PepsiCo's" is PepsiCo).
    word = word.lower().removesuffix("'s").strip("'-")
    # A fiscal year is its year, as text and column headers write it ("FY2022", "FY22": 2022).
    if fiscal := _FISCAL_YEAR.fullmatch(word):
        year = fiscal.group(1)
        return year if len(year) == 4 else f"20{year}"
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    if word.endswith("tion") and len(word) > 7:  # "operation" meets "operate"
        word = word[:-3]
    return word[:7] if word.isalpha() else word


def content_terms(text: str) -> set[str]:
    """Stemmed words of ``text`` that carry meaning (no stopwords, no single letters)."""
    return {stem(w) for w in _TERM.findall(text) if w.lower() not in STOPWORDS and len(w) > 1}
