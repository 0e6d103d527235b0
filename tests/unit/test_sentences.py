"""Sentence splitting: offsets, abbreviations, page boundaries, table runs."""

from __future__ import annotations

from agentflow.domain.documents import PageSpan
from agentflow.retrieval.sentences import MAX_SENTENCE_CHARS, normalize, split_sentences


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
