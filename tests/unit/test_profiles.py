"""Document profiles derived from real covers: titles, organisations, kinds and periods."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pymupdf
import pytest

from agentflow.domain.documents import Document, DocumentMetadata
from agentflow.domain.profiles import DocumentKind, DocumentProfile
from agentflow.ingestion.profiling import derive_profile
from tests.conftest import shared


def _profile(path: Path) -> DocumentProfile:
    with pymupdf.open(path) as pdf:
        pages = [page.get_text() for page in pdf]
        return derive_profile(path.name, pdf.metadata.get("title"), pages)


@pytest.mark.parametrize(("folder", "name", "organisation", "kind", "year", "quarter"), [
    ("financebench-dev/pdfs", "3M_2018_10K.pdf", "3M Company", DocumentKind.ANNUAL_REPORT,
     2018, None),
    ("financebench-dev/pdfs", "BESTBUY_2023_10K.pdf", "Best Buy Co., Inc.",
     DocumentKind.ANNUAL_REPORT, 2023, None),  # fiscal year ended January 28, 2023
    ("financebench-dev/pdfs", "BESTBUY_2024Q2_10Q.pdf", "Best Buy Co., Inc.",
     DocumentKind.QUARTERLY_REPORT, 2024, 2),  # the text says "second quarter of fiscal 2024"
    ("financebench-dev/pdfs", "PEPSICO_2023Q1_EARNINGS.pdf", "PepsiCo, Inc.",
     DocumentKind.EARNINGS_RELEASE, 2023, 1),
    ("financebench-dev/pdfs", "AMERICANEXPRESS_2022_10K.pdf", "American Express Company",
     DocumentKind.ANNUAL_REPORT, 2022, None),
    ("pdfs/real/sec10q", "2023 Q1 NVDA.pdf", "Nvidia Corporation",
     DocumentKind.QUARTERLY_REPORT, 2024, 1),  # NVIDIA's fiscal 2024 began in January 2023
])
def test_filings_get_their_organisation_kind_and_period(
        folder: str, name: str, organisation: str, kind: DocumentKind, year: int,
        quarter: int | None) -> None:
    profile = _profile(shared(*folder.split("/"), name))
    assert profile.organisations[0] == organisation
    assert profile.kind is kind
    assert (profile.fiscal_year, profile.fiscal_quarter) == (year, quarter)
    assert profile.title is not None and organisation.split(",")[0] in profile.title


def test_a_filing_cover_gives_the_period_end() -> None:
    profile = _profile(shared("financebench-dev", "pdfs", "BESTBUY_2023_10K.pdf"))
    assert profile.period_end == date(2023, 1, 28)
    assert profile.period == "FY2023"


def test_a_paper_is_titled_by_its_first_heading_lines() -> None:
    profile = _profile(shared("pdfs", "real", "DeepSeek_R1.pdf"))
    assert profile.kind is DocumentKind.PAPER
    assert profile.title is not None and profile.title.startswith("DeepSeek-R1: Incentivizing")
    assert profile.fiscal_year is None


def test_tickers_become_aliases() -> None:
    profile = _profile(shared("financebench-dev", "pdfs", "PEPSICO_2023Q1_EARNINGS.pdf"))
    assert "PEP" in profile.aliases


def test_a_document_without_text_falls_back_to_its_file_name() -> None:
    profile = derive_profile("scan_0001.pdf", "Untitled", [""])
    assert profile.title is None and profile.kind is DocumentKind.OTHER
    now = date(2026, 1, 1)
    document = Document(id="d", tenant_id="t", name="scan_0001.pdf", sha256="x", size_bytes=1,
                        blob_key="k", derived_profile=profile, created_at=now, updated_at=now)
    assert document.profile.title == "scan_0001"


def test_metadata_overrides_the_derived_profile_field_by_field() -> None:
    now = date(2026, 1, 1)
    derived = DocumentProfile(title="Old", organisations=["A Corp"], fiscal_year=2020,
                              kind=DocumentKind.ANNUAL_REPORT)
    document = Document(id="d", tenant_id="t", name="a.pdf", sha256="x", size_bytes=1,
                        blob_key="k", derived_profile=derived, created_at=now, updated_at=now,
                        metadata=DocumentMetadata(title="New title", fiscal_year=2021))
    profile = document.profile
    assert (profile.title, profile.fiscal_year) == ("New title", 2021)
    assert profile.organisations == ["A Corp"] and profile.kind is DocumentKind.ANNUAL_REPORT
    assert profile.label() == "New title | A Corp | annual report | FY2021"


def test_short_names_the_document_uses_become_aliases() -> None:
    profile = _profile(shared("financebench-dev", "pdfs", "AMERICANEXPRESS_2022_10K.pdf"))
    assert "Amex" in profile.aliases
