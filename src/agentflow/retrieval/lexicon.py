"""Financial metrics and report topics in the words reports use for them.

Analysts ask for metrics ("capital expenditure", "operating margin", "free cash flow"); filings
print the line items the metrics are made of ("Purchases of property, plant and equipment",
"Operating income", "Net cash provided by operating activities"). A small embedding model does
not bridge the two, and BM25 cannot. A question naming a metric is therefore searched with
the standard line-item names (US GAAP / IFRS statement captions) added, and a figure row is
matched against them too. Likewise a question about a topic ("legal battles", "the geographies
it operates in") is searched with the names reports give the section on it ("legal
proceedings", "geographic areas"). Both tables are general vocabulary, tied to no issuer.
"""

from __future__ import annotations

import re

# metric as asked (a regular expression) -> line items a statement shows it with
_LINE_ITEMS: tuple[tuple[str, str], ...] = (
    (r"capital\s+expenditures?|capex|capital\s+spending",
     "purchases of property, plant and equipment; additions to property and equipment"),
    (r"operating\s+margins?|operating\s+profit\s+margin",
     "operating income; income from operations; total revenue; net sales"),
    (r"gross\s+margins?|gross\s+profit\s+margin", "gross profit; cost of sales; net revenue"),
    (r"free\s+cash\s*flows?|fcf",
     "net cash provided by operating activities; purchases of property and equipment"),
    (r"effective\s+tax\s+rate", "provision for income taxes; income before income taxes"),
    (r"ebitda", "operating income; depreciation and amortization"),
    (r"working\s+capital|current\s+ratio|quick\s+ratio",
     "total current assets; total current liabilities"),
    (r"inventory\s+turnover|days\s+inventory", "inventories; cost of sales"),
    (r"days\s+sales\s+outstanding|dso\b", "accounts receivable; revenue"),
    (r"return\s+on\s+assets|\broa\b", "net income; total assets"),
    (r"return\s+on\s+equity|\broe\b", "net income; total shareholders' equity"),
    (r"debt[\s-]+to[\s-]+equity|leverage\s+ratio",
     "long-term debt; total debt; total shareholders' equity"),
    (r"interest\s+coverage", "operating income; interest expense"),
    (r"dividend\s+payout", "dividends paid; net income"),
    (r"top[\s-]+line", "revenue; net sales"),
    (r"bottom[\s-]+line|net\s+profit\b", "net income"),
    (r"cash\s+conversion", "net cash provided by operating activities; net income"),
    # Abbreviations analysts write and statements spell out.
    (r"pp&e\b|\bppne\b|\bppe\b|fixed\s+assets",
     "property, plant and equipment, net; property and equipment, net"),
    (r"d&a\b", "depreciation and amortization"),
    (r"sg&a\b", "selling, general and administrative expenses"),
    (r"\bcogs\b", "cost of sales; cost of goods sold"),
    (r"r&d\b", "research and development expense"),
    (r"\beps\b", "earnings per share; diluted; basic"),
)
# topic as asked -> the names reports give the sections that cover it (the items of an annual
# or quarterly report: Legal Proceedings, Risk Factors, segment and geographic information).
_SECTIONS: tuple[tuple[str, str], ...] = (
    (r"legal\s+(?:battles?|proceedings?|matters?|actions?|disputes?|cases?)|lawsuits?|"
     r"litigations?|\bsued\b", "legal proceedings; litigation; claims; contingencies"),
    (r"geograph(?:y|ies|ic)|(?-i:\bregions?\b)|\bcountries\b|operates?\s+in\b",
     "geographic areas; reportable segments; international operations"),
    (r"acquisitions?|\bacquired\b|\bmergers?\b", "business combinations; acquisitions"),
    # Not "interest rate risk" or "credit risk": those are market-risk disclosures.
    (r"\b(?:main|key|major|principal|material|significant|biggest|top)\s+risks?\b|"
     r"\brisks?\s+(?:factors?|facing|to\s+(?:the|its|our)\s+business)", "risk factors"),
    (r"\bemployees\b|headcount|workforce", "human capital; employees"),
    (r"competitors?|competition", "competition"),
    (r"\bretain(?!ed\s+earnings)|retention|churn|attrition", "retention; attrition; renewal"),
)
Table = tuple[tuple[re.Pattern[str], str], ...]


def _compiled(table: tuple[tuple[str, str], ...]) -> Table:
    return tuple((re.compile(rf"\b(?:{asked})", re.IGNORECASE), words) for asked, words in table)


_COMPILED, _SECTION_NAMES = _compiled(_LINE_ITEMS), _compiled(_SECTIONS)


def _said(table: Table, question: str) -> list[str]:
    return [words for pattern, words in table if pattern.search(question)]


def line_items(question: str) -> list[str]:
    """The statement line items of the metrics ``question`` names (none: an empty list)."""
    return _said(_COMPILED, question)


def section_names(question: str) -> list[str]:
    """The names reports give the sections about the topics ``question`` asks of."""
    return _said(_SECTION_NAMES, question)


def expanded(question: str, *, sections: bool = False) -> str:
    """``question`` with the line items of the metrics it names appended, and with
    ``sections`` the names of the report sections its topics are in (for search: answers
    are scored on the question's own words and the line items, not on section names)."""
    items = line_items(question) + (section_names(question) if sections else [])
    return f"{question} ({'; '.join(items)})" if items else question
