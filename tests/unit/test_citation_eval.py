"""The citation eval's pure parts: numbers read from gold and answer text, their matching, and
the summary and per-question records of outcomes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agentflow.evaluation.citation_summary import Outcome, question_record, summarize
from agentflow.evaluation.figures import answer_figures, figure_in, figures, gold_figure


@pytest.mark.parametrize(("text", "value", "percent", "scale"), [
    ("$1577.00", "1577.00", False, 0),
    ("16.5%", "16.5", True, 0),
    ("$8.70", "8.70", False, 0),
    ("1.32%", "1.32", True, 0),
    ("982 stores", "982", False, 0),
    ("-42%", "-42", True, 0),
    ("1,577", "1577", False, 0),
    ("$1,577 million", "1577", False, 6),
    ("$ 6,797", "6797", False, 0),
    ("16.5 %", "16.5", True, 0),
    ("16.5 percent", "16.5", True, 0),
    ("(1,577)", "-1577", False, 0),
    ("($1.8 bn)", "1.8", False, 9),
    ("$1.8bn", "1.8", False, 9),
    ("\u22123.5", "-3.5", False, 0),
])
def test_a_number_is_read_as_written(text: str, value: str, percent: bool, scale: int) -> None:
    (figure,) = figures(text)
    assert figure.value == Decimal(value)
    assert (figure.percent, figure.scale) == (percent, scale)


def test_numbers_inside_names_and_item_numbers_are_not_figures() -> None:
    assert figures("Q2 FY2024 results of 3M in its 10-K and 10K, the 2nd of them") == []
    assert [f.text for f in figures("(1) Current Health and (2) Two Peaks; 1) $5) (42)")] == [
        "$5", "(42)"]


def test_years_are_bare_four_digit_integers() -> None:
    years = [f.is_year for f in figures("2022, $2022, 2,022, 2022.0, 2022%, 1899, 2023")]
    assert years == [True, False, False, False, False, False, True]


@pytest.mark.parametrize(("gold", "figure"), [
    ("$1577.00", "$1577.00"),
    ("Pepsico's restructuring costs in FY2022 amounted to $411 million .", "$411 million"),
    ("Best Buy generated the most cash flow in FY 2023 ($1.8 bn)", "$1.8 bn"),
    ("No, margins declined from 36.8% in FY 2021 to 34.6% in FY2022.", "36.8%"),
    ("Yes, there is decline in number stores by 1.32% from 982 stores", "1.32%"),
])
def test_the_gold_figure_is_the_first_number_that_is_not_a_year(gold: str, figure: str) -> None:
    found = gold_figure(gold)
    assert found is not None and found.text == figure


def test_a_gold_answer_without_numbers_or_with_only_years_has_no_figure() -> None:
    assert gold_figure("United States, EMEA, APAC, and LACC") is None
    assert gold_figure("It was founded in 1902 and listed in 1946.") is None
    assert gold_figure("Two acquisitions during FY 2022: (1) Current Health and (2) Yardbird"
                       ) is None


@pytest.mark.parametrize(("gold", "answer"), [
    ("$1577.00", "Capital expenditure was 1,577 in 2018."),
    ("$1577.00", "Purchases of PP&E were $1,577 million [1]."),
    ("$1577.00", "Purchases of PP&E: (1,577)"),
    ("$1577.00", "about $1.6 billion"),
    ("$411 million", "restructuring charges of 411"),
    ("$1.8 bn", "$1,800 million"),
    ("16.5%", "a margin of 16.5 %"),
    ("16.5%", "a margin of 16.48%"),
    ("16.5%", "a margin of 17%"),
    ("1.32%", "down 1.3%"),
    ("$8.70", "EPS of $8.7"),
    ("-42%", "a decline of ~42% in the quarter"),
    ("982 stores", "it had 985 stores"),  # within 0.5%
])
def test_the_answer_states_the_gold_figure(gold: str, answer: str) -> None:
    figure = gold_figure(gold)
    assert figure is not None and figure_in(figure, answer)


@pytest.mark.parametrize(("gold", "answer"), [
    ("$1577.00", "1,600"),  # other figure in the same unit
    ("$1577.00", "In 2018 [1577]."),  # a citation marker is not a number of the text
    ("16.5%", "16%"),
    ("16.5%", "$16.5 million"),  # a percentage is not an amount
    ("1.32%", "1%"),  # one significant digit is too coarse to count as a rounding
    ("1.32%", "1.4%"),
    ("$8.70", "$8.07"),
    ("982 stores", "98.2"),
    ("$1577.00", "It does not say."),
])
def test_other_numbers_do_not_state_the_gold_figure(gold: str, answer: str) -> None:
    figure = gold_figure(gold)
    assert figure is not None and not figure_in(figure, answer)


def test_answer_figures_leave_out_citation_markers_but_keep_years() -> None:
    assert [f.text for f in answer_figures("In 2018 it spent $1,577 million [1], up 3% [2, 3].")
            ] == ["2018", "$1,577 million", "3%"]


def _outcome(**fields: object) -> Outcome:
    base: dict[str, object] = {"question": "q", "evidence": {("3M_2018_10K", 60)}}
    return Outcome(**{**base, **fields})  # type: ignore[arg-type]


def test_summary_of_outcomes() -> None:
    hit = _outcome(retrieved=[[("3M_2018_10K", 59), ("3M_2018_10K", 60)], [("other", 1)]],
                   cited={("3M_2018_10K", 60)}, answer="It was $1,577 million [1].",
                   gold_answer="$1577.00", quotes=2, quotes_on_page=2)
    late = _outcome(retrieved=[[("other", 1)]] * 5 + [[("3M_2018_10K", 60)]],
                    answer="Not stated, in 2018 or 2017.", gold_answer="$1577.00", quotes=1)
    wordy = _outcome(retrieved=[[("other", 2)]] + [[("3M_2018_10K", 3)]] * 20,
                     answer="Customer deposits.", gold_answer="Customer deposits")
    empty = _outcome()
    summary = summarize([hit, late, wordy, empty])
    assert summary == {
        "questions": 4,
        "evidence_document_first": 0.25,
        "evidence_document_top10": 0.75,
        "evidence_page_recall@5": 0.25,
        "evidence_page_recall@10": 0.5,
        "cited_page_hit_rate": 0.25,
        "citations": 3,
        "quotes_on_cited_page": 2 / 3,
        "numeric_questions": 2,
        "gold_figure_in_answer": 0.5,
        "median_answer_chars": (len("Customer deposits.") + len("It was $1,577 million [1].")) / 2,
        "median_answer_numbers": 0.5,
    }


def test_summary_of_nothing_has_no_figure_share() -> None:
    summary = summarize([])
    assert summary["questions"] == 0 and summary["gold_figure_in_answer"] is None
    assert summary["quotes_on_cited_page"] == 1.0 and summary["median_answer_chars"] == 0.0


def test_question_record_lists_first_pages_in_rank_order() -> None:
    outcome = _outcome(retrieved=[[("other", 4), ("other", 5)], [("3M_2018_10K", 60)]],
                       cited={("3M_2018_10K", 60), ("other", 4)}, answer="$1,577 million [1]",
                       gold_answer="$1577.00")
    assert question_record(outcome) == {
        "question": "q", "evidence": [["3M_2018_10K", 60]], "first_document": "other",
        "retrieved": [["other", 4], ["3M_2018_10K", 60]],
        "cited": [["3M_2018_10K", 60], ["other", 4]],
        "answer": "$1,577 million [1]", "gold_answer": "$1577.00", "gold_figure": "$1577.00",
        "figure_found": True, "page_at_5": True, "page_at_10": True, "page_cited": True,
        "document_first": False}
    assert question_record(_outcome())["first_document"] is None
