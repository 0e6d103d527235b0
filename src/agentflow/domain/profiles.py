"""Document profiles: what a document is (title, organisations, kind, period), and routing.

A profile is derived from the document's own text at ingestion (``DocumentProfile``); what a
user says about the document (``DocumentMetadata``: upload metadata or a later edit) overrides
it field by field. Routing matches a question against the tenant's profiles before chunk
search (``Routing``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

_LEGAL_FORMS = ("inc incorporated corp corporation company co ltd limited llc lp plc ag se sa nv "
                "gmbh group holdings the and of")
LEGAL_FORM_WORDS = frozenset(_LEGAL_FORMS.split())  # words of a name that name no one


class DocumentKind(StrEnum):
    """What sort of document it is, as far as general rules over its cover can tell."""

    ANNUAL_REPORT = "annual_report"
    QUARTERLY_REPORT = "quarterly_report"
    EARNINGS_RELEASE = "earnings_release"
    CURRENT_REPORT = "current_report"
    PROXY_STATEMENT = "proxy_statement"
    PAPER = "paper"
    MANUAL = "manual"
    POLICY = "policy"
    OTHER = "other"


class DocumentProfile(BaseModel):
    """Who and what a document is about and which period it covers."""

    title: str | None = Field(default=None, max_length=500)
    organisations: list[str] = Field(default_factory=list, max_length=20)
    kind: DocumentKind = DocumentKind.OTHER
    period_end: date | None = None  # the last day the document reports on
    fiscal_year: int | None = Field(default=None, ge=1900, le=2200)
    fiscal_quarter: int | None = Field(default=None, ge=1, le=4)  # None: a whole year or n/a
    aliases: list[str] = Field(default_factory=list, max_length=20)  # tickers, short names

    @property
    def period(self) -> str | None:
        """The period in words people search with: ``FY2022``, ``Q2 FY2024``, or a date."""
        if self.fiscal_year is not None:
            return (f"Q{self.fiscal_quarter} FY{self.fiscal_year}" if self.fiscal_quarter
                    else f"FY{self.fiscal_year}")
        return self.period_end.isoformat() if self.period_end else None

    def label(self) -> str:
        """One line naming the document: title, organisations, kind and period."""
        title = self.title or ""
        said = title.casefold()
        extra = [*self.organisations]
        if self.kind is not DocumentKind.OTHER:
            extra.append(self.kind.value.replace("_", " "))
        if self.period:
            extra.append(self.period)
        # What the title already says is not said again: the label leads every chunk's context.
        parts = [title, *(part for part in extra if part.casefold() not in said)]
        return " | ".join(dict.fromkeys(part for part in parts if part))


class ProfileEdit(BaseModel):
    """A user's corrections: every field given replaces the derived one (``None``: keep)."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    tags: list[str] | None = Field(default=None, max_length=50)
    organisations: list[str] | None = Field(default=None, max_length=20)
    kind: DocumentKind | None = None
    fiscal_year: int | None = Field(default=None, ge=1900, le=2200)
    fiscal_quarter: int | None = Field(default=None, ge=1, le=4)
    period_end: date | None = None


class PreferredDocument(BaseModel):
    """A document routing prefers for a question, and why."""

    document_id: str
    document_name: str
    score: float
    reasons: list[str]  # e.g. "names Best Buy", "period FY2023", "kind annual report"


class Routing(BaseModel):
    """Which documents chunk search prefers for a question (none: search them all alike)."""

    preferred: list[PreferredDocument] = Field(default_factory=list)
    restricted: bool = False  # the question names one document: search only that one
    reason: str = ""  # why nothing is preferred, when so
