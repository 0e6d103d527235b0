"""Routing rules: the cues of a question and the documents they pick."""

from __future__ import annotations

from datetime import UTC, datetime

from agentflow.domain.documents import Document
from agentflow.domain.profiles import DocumentKind, DocumentProfile
from agentflow.retrieval.fusion import fuse_ranks
from agentflow.retrieval.profile_index import file_words, profile_text
from agentflow.retrieval.routing import Cues, assess, decide

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _doc(ident: str, name: str, org: str, kind: DocumentKind, year: int,
         quarter: int | None = None) -> Document:
    return Document(id=ident, tenant_id="t", name=name, sha256=ident, size_bytes=1,
                    blob_key=ident, created_at=NOW, updated_at=NOW,
                    derived_profile=DocumentProfile(organisations=[org], kind=kind,
                                                    fiscal_year=year, fiscal_quarter=quarter))


ANNUAL = _doc("k", "BESTBUY_2023_10K.pdf", "Best Buy Co., Inc.", DocumentKind.ANNUAL_REPORT,
              2023)
QUARTER = _doc("q", "BESTBUY_2024Q2_10Q.pdf", "Best Buy Co., Inc.",
               DocumentKind.QUARTERLY_REPORT, 2024, 2)
OTHER = _doc("o", "acme-annual-2023.pdf", "Acme Widgets Ltd", DocumentKind.ANNUAL_REPORT, 2023)


def test_cues_read_years_quarters_and_kinds() -> None:
    cues = Cues.of("Was there any drop in cash between FY 2023 and Q2 of FY2024 in the 10-Q?")
    assert cues.years == {2023, 2024} and cues.quarter == 2
    assert DocumentKind.QUARTERLY_REPORT in cues.kinds
    assert Cues.of("As of FY2023Q1, why?").years == {2023}
    assert Cues.of("As of FY2023Q1, why?").quarter == 1
    assert Cues.of("FY22 revenue").years == {2022}
    assert Cues.of("in the third quarter").quarter == 3


def test_a_question_naming_one_document_restricts_the_search_to_it() -> None:
    cues = Cues.of("What were Best Buy's inventories in its FY2023 annual report?")
    routing = decide([assess(doc, cues, rank) for rank, doc in
                      enumerate([QUARTER, ANNUAL, OTHER])])
    assert routing.restricted
    assert [p.document_id for p in routing.preferred] == ["k"]
    assert "names bestbuy" in routing.preferred[0].reasons


def test_a_question_naming_two_periods_boosts_both_latest_first() -> None:
    cues = Cues.of("How did Best Buy's cash change between FY2023 and Q2 of FY2024?")
    routing = decide([assess(doc, cues, rank) for rank, doc in enumerate([ANNUAL, QUARTER])])
    assert not routing.restricted
    assert [p.document_id for p in routing.preferred] == ["q", "k"]


def test_a_question_naming_no_document_prefers_none() -> None:
    routing = decide([assess(doc, Cues.of("What is a lease liability?"), rank)
                      for rank, doc in enumerate([ANNUAL, OTHER])])
    assert routing.preferred == [] and not routing.restricted
    assert "names none" in routing.reason


def test_names_match_across_spacing_and_case() -> None:
    # The file says BESTBUY, the question "Best Buy"; the organisation "Acme Widgets Ltd"
    # matches "acme widgets" without its legal form.
    assert assess(ANNUAL, Cues.of("best buy stores"), 0).named
    assert assess(OTHER, Cues.of("Acme Widgets' revenue"), 0).named
    assert not assess(OTHER, Cues.of("widgets in general"), 0).named


def test_profile_text_carries_names_period_and_file_words() -> None:
    text = profile_text(QUARTER)
    assert "Best Buy Co., Inc." in text and "Q2 FY2024" in text and "quarterly report" in text
    assert file_words("BESTBUY_2024Q2_10Q.pdf") == "BESTBUY 2024 Q 2 10 Q"


def test_weighted_rank_fusion_lifts_what_both_lists_hold() -> None:
    fused = fuse_ranks([(2.0, ["b", "c"]), (1.0, ["a", "b", "d"])], key=str)
    assert fused[0] == "b" and set(fused) == {"a", "b", "c", "d"}
    assert fused.index("c") < fused.index("a")  # the preferred list weighs more


def test_aliases_name_a_document() -> None:
    amex = _doc("a", "report.pdf", "American Express Company", DocumentKind.ANNUAL_REPORT, 2022)
    amex.derived_profile = (amex.derived_profile or DocumentProfile()).model_copy(
        update={"aliases": ["Amex", "AXP"]})
    assert assess(amex, Cues.of("Does AMEX have an improving margin?"), 0).named
    assert assess(amex, Cues.of("What is AXP's dividend?"), 0).named
    assert not assess(amex, Cues.of("an axp-like product"), 0).named  # tickers as written


def test_a_question_over_the_years_prefers_the_annual_report() -> None:
    cues = Cues.of("Are Best Buy's gross margins historically consistent, each year?")
    assert DocumentKind.ANNUAL_REPORT in cues.kinds
    routing = decide([assess(doc, cues, rank) for rank, doc in enumerate([QUARTER, ANNUAL])])
    assert routing.preferred[0].document_id == "k"
    assert "kind annual report" in routing.preferred[0].reasons
