"""Figure answers: table rows found in passages, paired with their periods, described."""

from __future__ import annotations

from agentflow.agents.figures import (
    describe,
    is_figure_question,
    lexical,
    name_terms,
    question_years,
    rows,
    year_match,
)
from agentflow.agents.selection import content_terms
from agentflow.domain.documents import PageSpan
from agentflow.domain.queries import Passage
from agentflow.retrieval.statements import Statement

CASH_FLOW = (
    "3M Company and Subsidiaries\nConsolidated Statement of Cash Flows\n"
    "(Millions) 2018 2017 2016\n"
    "Net income including noncontrolling interest $ 5,363 $ 4,869 $ 5,058\n"
    "Purchases of property, plant and equipment (PP&E) (1,577) (1,373) (1,420)\n"
    "In 2018, 3M's capital spending was within the United States, see Note 3\n"
    "Total — 12.5% (3.1)%")


def _passage(text: str) -> Passage:
    return Passage(chunk_id="c", document_id="d", document_name="3M_2018_10K.pdf",
                   page_start=60, page_end=60, text=text, score=1.0)


def test_rows_are_labels_followed_only_by_figures() -> None:
    found = rows(_passage(CASH_FLOW), 0)
    assert [row.label for row in found] == [
        "Net income including noncontrolling interest",
        "Purchases of property, plant and equipment (PP&E)", "Total"]
    capex = found[1]
    assert capex.values == ["(1,577)", "(1,373)", "(1,420)"]
    assert capex.periods == ["2018", "2017", "2016"] and capex.unit == "million"
    assert CASH_FLOW[capex.start:capex.end] == (
        "Purchases of property, plant and equipment (PP&E) (1,577) (1,373) (1,420)")


def test_a_row_is_described_for_the_period_asked() -> None:
    capex = rows(_passage(CASH_FLOW), 0)[1]
    assert describe(capex, {"2018"}) == (
        "Purchases of property, plant and equipment (PP&E) was (1,577) million in 2018")
    assert describe(capex, set()) == (
        "Purchases of property, plant and equipment (PP&E): (1,577) million in 2018, "
        "(1,373) million in 2017, (1,420) million in 2016")


def test_a_row_without_a_header_lists_its_figures() -> None:
    (total,) = rows(_passage("Net revenue growth 10.2% 14.3%"), 0)
    assert describe(total, {"2023"}) == "Net revenue growth: 10.2%, 14.3%"


def test_figure_questions_and_their_years() -> None:
    assert is_figure_question("What is the FY2018 capital expenditure amount for 3M?")
    assert is_figure_question("By how many percentage points did the gross margin rise?")
    assert not is_figure_question("Who is the chief executive of the company?")
    # Guidance is said in sentences; statement rows report what happened, not what is expected.
    assert not is_figure_question("By how many percentage points did guidance rise?")
    assert not is_figure_question("What is the FY2024 revenue outlook?")
    assert question_years("FY2018 and fiscal 2017, FY22") == {"2018", "2017", "2022"}


def test_change_columns_are_columns_and_years_pair_with_their_figures() -> None:
    text = ("April 1, 2023 March 26, 2022 Change April 1, 2023 March 26, 2022 Change\n"
            "Total net sales $ 94,836 $ 97,278 (3)% $ 211,990 $ 221,223 (4)%")
    (row,) = rows(_passage(text), 0)
    assert row.periods == ["2023", "2022", "Change", "2023", "2022", "Change"]
    # The quarter's column comes first; the six months' "2022" is not said a second time.
    assert describe(row, {"2022"}) == "Total net sales was $97,278 in 2022"
    assert describe(row, set()) == "Total net sales: $94,836 in 2023, $97,278 in 2022"


def test_the_line_item_named_outscores_a_line_about_it() -> None:
    question = "What were total net sales in the quarter?"
    (item,) = rows(_passage("Total net sales 94,836"), 0)
    (about,) = rows(_passage("Percentage of total net sales 8%"), 0)
    assert lexical(question, item) > lexical(question, about)


def test_labels_keep_inner_dashes_and_names_but_not_sentences() -> None:
    text = ("Property, plant and equipment \u2014 net 8,738 8,866\n"
            "Net income attributable to 3M (1) 5,349 4,858\n"
            "In 2018, sales grew in the United States, see Note 3")
    found = rows(_passage(text), 0)
    assert [row.label for row in found] == ["Property, plant and equipment \u2014 net",
                                            "Net income attributable to 3M (1)"]
    assert found[0].values == ["8,738", "8,866"]


def test_stacked_period_headers_pair_with_the_rows_below() -> None:
    text = ("Consolidated Statements of Earnings\n$ and shares in millions\nFiscal Years Ended\n"
            "January 28, 2023\nJanuary 29, 2022\nJanuary 30, 2021\n"
            "Revenue $ 46,298 $ 51,761 $ 47,262\nGross profit 9,912 11,640 10,573")
    revenue, gross = rows(_passage(text), 0)
    assert gross.periods == ["2023", "2022", "2021"] and revenue.unit == "million"
    assert describe(gross, {"2022"}) == "Gross profit was 11,640 million in 2022"
    assert gross.statement is Statement.INCOME


def test_a_row_belongs_to_the_statement_captioned_on_its_own_page() -> None:
    balance = "Consolidated Balance Sheets\n(Millions) 2023 2022\nTotal assets 15,803 17,504"
    income = "Table of Contents\nConsolidated Statements of Earnings\nRevenue 46,298 51,761"
    note = "Note 7. Leases\nLease cost 320 300"
    passage = _passage(f"{balance}\n{income}\n{note}").model_copy(update={
        "section": "Consolidated Balance Sheets",
        "spans": [PageSpan(page=39, start=100, end=100 + len(balance)),
                  PageSpan(page=40, start=0, end=len(income)),
                  PageSpan(page=41, start=0, end=len(note))]})
    assert [(row.label, row.statement) for row in rows(passage, 0)] == [
        ("Total assets", Statement.BALANCE), ("Revenue", Statement.INCOME),
        ("Lease cost", None)]


def test_a_period_shown_twice_is_said_once_with_its_first_column() -> None:
    text = ("Three Months Ended Six Months Ended\nApril 1, 2023\nMarch 26, 2022\n"
            "April 1, 2023\nMarch 26, 2022\nTotal net sales 94,836 97,278 211,990 220,918")
    (sales,) = rows(_passage(text), 0)
    assert sales.periods == ["2023", "2022", "2023", "2022"]
    assert describe(sales, {"2023"}) == "Total net sales was 94,836 in 2023"
    assert describe(sales, set()) == "Total net sales: 94,836 in 2023, 97,278 in 2022"


def test_a_year_matches_only_when_the_header_has_a_period_per_figure() -> None:
    aligned = rows(_passage("(Millions) 2018 2017\nCapex (1,577) (1,373)"), 0)[0]
    # Two periods over six figures: the header is another table's, it says nothing here.
    misaligned = rows(_passage("2024 2023\nBest Buy 127 1 - 128 127 -"), 0)[0]
    assert year_match(aligned, {"2018"})
    assert not year_match(misaligned, {"2024"})


def test_the_documents_own_name_does_not_make_a_row_the_answer() -> None:
    question = "By how much did PepsiCo's core EPS grow in 2023?"
    (equity,) = rows(_passage("Total PepsiCo Common Shareholders' Equity 17,042"), 0)
    (eps,) = rows(_passage("Core EPS $ 1.50"), 0)
    name = name_terms("PEPSICO_2023Q1_EARNINGS.pdf")
    assert name == {"pepsico", "q1", "2023"}  # the kind of document ("earnings") stays asked
    assert lexical(question, equity) > 0 and lexical(question, equity, ignore=name) == 0
    assert lexical(question, eps, ignore=name) >= lexical(question, eps) > 0


def test_question_words_spelling_a_name_together_name_the_document() -> None:
    assert name_terms("BESTBUY_2023_10K.pdf", "Did Best Buy's stores grow?") == {
        "bestbuy", "2023", "10", "best", "buy"}
    assert name_terms("AMERICANEXPRESS_2022_10K.pdf", "Was American Express able to") >= (
        content_terms("American Express"))
    assert name_terms("BESTBUY_2023_10K.pdf", "the best stores to buy from") == {
        "bestbuy", "2023", "10"}  # words apart do not spell it


def test_a_possessive_is_the_word_itself() -> None:
    from agentflow.retrieval.terms import content_terms

    assert content_terms("PepsiCo's and Apple\u2019s sales") == {"pepsico", "apple", "sale"}
