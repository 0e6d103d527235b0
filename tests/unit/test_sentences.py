"""Sentence splitting: offsets, abbreviations, page boundaries, table runs, lines in blocks."""

from __future__ import annotations

from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
from agentflow.domain.documents import PageSpan
from agentflow.retrieval.sentences import MAX_SENTENCE_CHARS, normalize, split_sentences
from tests.conftest import shared


def test_sentences_keep_their_offsets_and_fold_whitespace() -> None:
    text = "Net sales rose 8% to $90.1 billion.\nServices revenue was a\nrecord this quarter."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Net sales rose 8% to $90.1 billion.", "Services revenue was a record this quarter."]
    for sentence in sentences:
        assert normalize(text[sentence.start:sentence.end]) == sentence.text


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "Sales grew in the U.S. market, e.g. in Texas. Dr. J. Smith approved it in Jan. 2022."
    assert [s.text for s in split_sentences(text)] == [
        "Sales grew in the U.S. market, e.g. in Texas.",
        "Dr. J. Smith approved it in Jan. 2022."]


def test_a_sentence_never_crosses_a_page_boundary() -> None:
    page_one, page_two = "The first page ends mid way through", "the sentence on page two here."
    text = f"{page_one}\n{page_two}"
    spans = [PageSpan(page=3, start=10, end=10 + len(page_one)),
             PageSpan(page=4, start=0, end=len(page_two))]
    sentences = split_sentences(text, spans)
    assert [s.text for s in sentences] == [page_one, page_two]
    assert sentences[1].start == len(page_one) + 1


def test_paragraphs_split_and_fragments_are_dropped() -> None:
    text = "Item 2.\n\nRevenue increased across all segments this year.\n\n12"
    assert [s.text for s in split_sentences(text)] == [
        "Revenue increased across all segments this year."]


def test_long_table_runs_are_cut_at_line_breaks() -> None:
    rows = "\n".join(f"Line item number {i} 12,345 67,890" for i in range(40))
    sentences = split_sentences(rows)
    assert len(sentences) > 1
    assert all(s.end - s.start <= MAX_SENTENCE_CHARS for s in sentences)
    assert all(rows[s.start] == "L" for s in sentences)  # cuts fall on line starts


def test_initialisms_do_not_end_a_sentence() -> None:
    text = "At approximately 6:30 a.m. (Eastern time) the bank S.A. in Madrid will post results."
    assert [s.text for s in split_sentences(text)] == [text]


def test_a_line_in_a_block_of_its_own_runs_on_into_the_next() -> None:
    # Some PDFs put every printed line in a block of its own (blank lines between them).
    text = ("Guidance and Outlook\n\nThe Company now expects 8 percent growth (previously 6\n\n"
            "percent), and 9 percent EPS growth.\n\nOn April 25 the\n\nCompany will host a call"
            ", and\n\nInvestors may listen.\n\nNet revenue growth\n\n10.2%\n\nFine print here.")
    assert [s.text for s in split_sentences(text)] == [
        "Guidance and Outlook",
        "The Company now expects 8 percent growth (previously 6 percent), and 9 percent EPS "
        "growth.",
        "On April 25 the Company will host a call, and Investors may listen.",
        "Net revenue growth", "Fine print here."]


def test_sentences_of_a_real_page_whose_lines_are_blocks() -> None:
    path = shared("financebench-dev", "pdfs", "PEPSICO_2023Q1_EARNINGS.pdf")
    (page,) = PyMuPdfExtractor().extract(path, 3, 3, "d").pages
    assert "(previously 6\n\npercent)" in page.text  # each printed line is a block
    texts = [s.text for s in split_sentences(page.text)]
    assert ("For fiscal year 2023, the Company now expects to deliver 8 percent organic revenue "
            "growth (previously 6 percent), and 9 percent core constant currency EPS growth "
            "(previously 8 percent).") in texts
    assert not any(t[0].islower() for t in texts)  # no sentence starts mid-way
    for sentence in split_sentences(page.text):
        assert normalize(page.text[sentence.start:sentence.end]) == sentence.text


def test_a_table_row_ending_in_a_nil_dash_does_not_run_on() -> None:
    text = ("Restructuring charges 12 \u2014\n\nTotal operating expenses 1,234 1,100\n\n"
            "A non-\n\nGAAP measure.")
    assert [s.text for s in split_sentences(text)] == [
        "Restructuring charges 12 \u2014", "Total operating expenses 1,234 1,100",
        "A non- GAAP measure."]
