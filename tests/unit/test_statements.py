"""Financial statements: which one a real page captions, and which one a question wants."""

from __future__ import annotations

import pytest

from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
from agentflow.domain.documents import PageSpan
from agentflow.domain.queries import Passage
from agentflow.domain.vectors import SearchHit
from agentflow.ingestion.context import PageOutline
from agentflow.retrieval.statement_pages import (
    opens,
    statement_hits,
    statement_query,
    with_statements,
)
from agentflow.retrieval.statements import (
    Statement,
    asked_statements,
    statement_of,
    without_statement_names,
)
from tests.conftest import shared


def _title(filing: str, number: int) -> str:
    path = shared("financebench-dev", "pdfs", f"{filing}.pdf")
    (page,) = PyMuPdfExtractor().extract(path, number, number, "d").pages
    return PageOutline.of(page.text).title


@pytest.mark.parametrize(("filing", "page", "statement"), [
    ("3M_2018_10K", 58, Statement.BALANCE),  # "Consolidated Balance Shee t": a broken word
    ("3M_2018_10K", 60, Statement.CASH_FLOW),
    ("PEPSICO_2022_10K", 62, Statement.INCOME),
    ("PEPSICO_2022_10K", 64, Statement.CASH_FLOW),
    ("AMERICANEXPRESS_2022_10K", 96, Statement.INCOME),
    ("BESTBUY_2023_10K", 40, Statement.INCOME),  # "Statements of Earnings"
    ("BESTBUY_2023_10K", 42, Statement.CASH_FLOW),
])
def test_real_statement_pages_are_recognised(filing: str, page: int,
                                              statement: Statement) -> None:
    assert statement_of(_title(filing, page)) is statement


@pytest.mark.parametrize(("filing", "page"), [
    ("3M_2018_10K", 81),  # "NOTE 7. Supplemental Balance Sheet Information"
    ("3M_2018_10K", 49),  # the discussion of cash flows
    ("BESTBUY_2023_10K", 29),  # "Liquidity and Capital Resources"
    ("AMERICANEXPRESS_2022_10K", 44),  # "Table 1: Summary of Financial Performance"
    ("AMERICANEXPRESS_2022_10K", 156),  # "NOTE 25 — PARENT COMPANY"
])
def test_notes_and_discussion_are_not_statements(filing: str, page: int) -> None:
    assert statement_of(_title(filing, page)) is None


def test_statements_named_or_implied_by_a_metric() -> None:
    assert asked_statements("What is the FY2018 capex? Use the cash flow statement.") == [
        Statement.CASH_FLOW]
    assert asked_statements("What is net PP&E, as shown in the balance sheet?") == [
        Statement.BALANCE]
    assert asked_statements("What is the FY2018 capital expenditure amount?") == [
        Statement.CASH_FLOW]
    assert asked_statements("Does Adobe have an improving operating margin profile?") == [
        Statement.INCOME]
    assert asked_statements("What is the current ratio in 2022?") == [Statement.BALANCE]
    # A statement named wins over the metrics the question also names.
    assert asked_statements("Revenue from the income statement, and capex?") == [
        Statement.INCOME]


def test_questions_about_no_statement() -> None:
    assert asked_statements("What are the geographies American Express operates in?") == []
    assert asked_statements("Has Pepsico reported any material legal battles?") == []
    assert statement_of("") is None


def test_comprehensive_income_is_not_the_income_statement() -> None:
    assert statement_of(_title("AMERICANEXPRESS_2022_10K", 97)) is None
    assert statement_of("Consolidated Statements of Operations and Comprehensive Loss") is (
        Statement.INCOME)


def test_statement_names_are_not_row_words() -> None:
    question = "What is capex? Rely on the cash flow statement and the balance sheet."
    assert "cash" not in without_statement_names(question)
    assert "balance" not in without_statement_names(question)
    assert "capex" in without_statement_names(question)


def test_tables_about_a_statement_are_not_the_statement() -> None:
    assert statement_of("TABLE 15: GMNS SELECTED INCOME STATEMENT AND OTHER DATA") is None
    assert statement_of("Summary Balance Sheet Data") is None
    # A parent company's own statements (a note, or a registrant's Schedule I), by their
    # caption line alone.
    assert statement_of("PARENT COMPANY \u2013 CONDENSED STATEMENTS OF INCOME AND "
                        "COMPREHENSIVE INCOME") is None
    assert statement_of("Condensed Financial Information of Registrant \u2014 Condensed "
                        "Balance Sheets") is None
    assert statement_of("Consolidated Statements of Income | Revenues") is Statement.INCOME


def test_statement_chunks_join_the_passages_in_place_of_the_last_others() -> None:
    def passage(ident: str) -> Passage:
        return Passage(chunk_id=ident, document_id="d", document_name="n", page_start=1,
                       page_end=1, text=ident, score=1.0)

    found = [passage(ident) for ident in ("a", "b", "c", "s1")]
    pages = [passage("s1"), passage("s2")]  # s1 is there already, s2 is not
    assert [p.chunk_id for p in with_statements(found, pages, 4)] == ["a", "b", "s1", "s2"]
    # At most a third of the passages (at least one) are brought in as statement chunks.
    assert [p.chunk_id for p in with_statements(found[:2], pages, 4)] == ["a", "b", "s1"]
    assert [p.chunk_id for p in with_statements(found, [], 4)] == ["a", "b", "c", "s1"]


@pytest.mark.parametrize(("title", "statement"), [
    ("Consolidated Balance Shee t", Statement.BALANCE),
    ("3M Company and Subsidiaries — Consolidated Statement of Cash Flow s", Statement.CASH_FLOW),
    ("Information Services Group Inc. — Consolidated Statements of Operations",
     Statement.INCOME),
    ("Berkshire Hathaway Inc. and Subsidiaries — Consolidated Statements of Changes in "
     "Shareholders' Equity", Statement.EQUITY),
    ("Caterpillar Inc. Consolidated Statement of Financial Position", Statement.BALANCE),
    ("Statement of Changes in Equity", Statement.EQUITY),
    ("CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS (Unaudited) | columns: 2023 2022",
     Statement.INCOME),
    ("Off-Balance Sheet Arrangements", None),
    ("Balance Sheet Components", None),
    ("Notes to Consolidated Financial Statements | Consolidated Statements of Income", None),
    ("NOTE 25 — PARENT COMPANY | Condensed Statements of Income", None),
    ("Liquidity | Cash flows from operating activities", None),
])
def test_captions_open_their_title(title: str, statement: Statement | None) -> None:
    assert statement_of(title) is statement


def _hit(ident: str, text: str, spans: list[PageSpan], section: str = "") -> SearchHit:
    return SearchHit(chunk_id=ident, document_id="d", document_name="n", score=1.0,
                     page_start=spans[0].page, page_end=spans[-1].page, text=text,
                     spans=spans, section=section)


def test_a_chunk_opens_a_statement_when_a_page_of_it_starts_with_the_caption() -> None:
    tail = "See Notes to Consolidated Financial Statements.\n39"
    top = "Consolidated Statements of Earnings\n$ in millions\nRevenue $ 46,298 $ 51,761"
    running_on = _hit("a", f"{tail}\n{top}", [PageSpan(page=39, start=1663, end=1663 + len(tail)),
                                              PageSpan(page=40, start=0, end=len(top))])
    assert opens(running_on, Statement.INCOME) and not opens(running_on, Statement.BALANCE)
    # The caption of a note's paragraph heading, below the page's prose, opens nothing.
    prose = ("Table of Contents\nAMOUNTS BASED ON ESTIMATES\n" + "Accounting estimates are "
             "an integral part of the consolidated financial statements and reflect judgment.\n"
             "INCOME STATEMENT\nRevenue is recognized when obligations are satisfied.")
    assert not opens(_hit("b", prose, [PageSpan(page=102, start=0, end=len(prose))]),
                     Statement.INCOME)
    # A chunk from the middle of a page does not open it.
    middle = _hit("c", top, [PageSpan(page=40, start=900, end=900 + len(top))])
    assert not opens(middle, Statement.INCOME)


def test_statement_hits_take_the_best_chunk_and_the_opening_one() -> None:
    top = "Consolidated Statements of Earnings\nRevenue $ 46,298 $ 51,761"
    hits = [
        _hit("discussion", "Revenue fell 11%.", [PageSpan(page=25, start=0, end=17)],
             section="Results of Operations"),
        _hit("lower", "Net earnings 1,419 2,454", [PageSpan(page=40, start=500, end=524)],
             section="Consolidated Statements of Earnings"),
        _hit("opening", top, [PageSpan(page=40, start=0, end=len(top))]),
    ]
    chosen = statement_hits(hits, [Statement.INCOME])
    assert [hit.chunk_id for hit in chosen] == ["lower", "opening"]
    assert statement_hits(hits, [Statement.BALANCE]) == []
    assert statement_query("capex?", [Statement.CASH_FLOW]).endswith(
        "consolidated statements of cash flows")


def test_the_best_passage_stays_when_few_passages_are_asked_for() -> None:
    def passage(ident: str) -> Passage:
        return Passage(chunk_id=ident, document_id="d", document_name="n", page_start=1,
                       page_end=1, text=ident, score=1.0)

    pages = [passage("s1")]
    # A third of one or two passages is none: the search's own passages are kept whole.
    assert [p.chunk_id for p in with_statements([passage("a")], pages, 1)] == ["a"]
    assert [p.chunk_id for p in with_statements([passage("a"), passage("b")], pages, 2)] == [
        "a", "b"]
    assert [p.chunk_id for p in with_statements([passage("a"), passage("b"), passage("c")],
                                                pages, 3)] == ["a", "b", "s1"]
