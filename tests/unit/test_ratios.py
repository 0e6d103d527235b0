"""Ratios computed from the rows of their parts, for the periods asked or the whole trend."""

from __future__ import annotations

from decimal import Decimal

from agentflow.agents.figures import rows
from agentflow.agents.ratios import amount, asked_ratio, asks_trend, compute, unreported
from agentflow.domain.queries import Passage

INCOME = ("(In millions) 2022 2021 2020\n"
          "Total revenue 17,606 15,785 12,868\n"
          "Cost of revenue 2,165 1,865 1,722\n"
          "Gross profit 15,441 13,920 11,146\n"
          "Operating income 6,098 5,802 4,237\n"
          "Income before income taxes 5,802 5,705 4,013\n"
          "Provision for (benefit from) income taxes 1,046 883 (1,084)\n")


def _rows() -> list:  # type: ignore[type-arg]
    return rows(Passage(chunk_id="c", document_id="d", document_name="n", page_start=54,
                        page_end=54, text=INCOME, score=1.0), 0)


def test_cells_read_as_amounts() -> None:
    assert amount("(1,577)") == Decimal(-1577) and amount("$5,363") == Decimal(5363)
    assert amount("\u2014") is None and amount("12.5%") is None


def test_a_ratio_for_the_year_asked_names_its_parts() -> None:
    ratio = asked_ratio("What was Adobe's operating margin in FY2022?")
    assert ratio is not None and ratio.name == "operating margin"
    computed = compute(ratio, _rows(), {"2022"})
    assert computed is not None
    assert computed.wording == ("Operating margin was 34.6% in 2022 (Operating income 6,098 / "
                                "Total revenue 17,606 in 2022).")
    assert computed.numerator.label == "Operating income"
    assert computed.denominator.label == "Total revenue"


def test_a_trend_question_gets_every_period() -> None:
    question = "Does Adobe have an improving gross margin profile?"
    ratio = asked_ratio(question)
    assert ratio is not None and asks_trend(question)
    computed = compute(ratio, _rows(), set(), trend=True)
    assert computed is not None
    assert computed.wording.startswith(
        "Gross margin was 87.7% in 2022, 88.2% in 2021, 86.6% in 2020, down 0.5 points from 2021")


def test_a_negative_part_and_a_missing_part() -> None:
    tax = asked_ratio("What was the effective tax rate in 2020?")
    assert tax is not None
    computed = compute(tax, _rows(), {"2020"})
    assert computed is not None and "-27.0% in 2020" in computed.wording
    current = asked_ratio("What is the current ratio?")
    assert current is not None and compute(current, _rows(), set()) is None
    assert asked_ratio("Who is the CEO?") is None


def test_a_statement_without_the_ratio_part_is_said_to_lack_it() -> None:
    bank = ("CONSOLIDATED STATEMENTS OF INCOME\n(Millions) 2022 2021\n"
            "Total revenues net of interest expense 52,862 42,380\nNet income 7,514 8,060")
    found = rows(Passage(chunk_id="c", document_id="d", document_name="n", page_start=96,
                         page_end=96, text=bank, score=1.0), 0)
    margin = asked_ratio("Does AMEX have an improving operating margin profile?")
    assert margin is not None and compute(margin, found, set(), trend=True) is None
    missing = unreported(margin, found)
    assert missing is not None and missing.numerator.label.startswith("Total revenues")
    assert missing.wording == ("The income statement found shows no operating income line, "
                               "so operating margin could not be computed from it.")
    # Not said when the part is there after all, under another usual name ...
    pepsico = bank.replace("Net income", "Operating Profit")
    assert unreported(margin, rows(Passage(chunk_id="c", document_id="d", document_name="n",
                                           page_start=62, page_end=62, text=pepsico,
                                           score=1.0), 0)) is None
    # ... nor when the top of the statement is not at hand (only its section says which).
    lower = Passage(chunk_id="c", document_id="d", document_name="n", page_start=96,
                    page_end=96, text="Net income 7,514 8,060", score=1.0,
                    section="CONSOLIDATED STATEMENTS OF INCOME")
    assert unreported(margin, rows(lower, 0)) is None
    current = asked_ratio("What is the current ratio?")
    assert current is not None and unreported(current, found) is None  # not a balance sheet
