"""A model's answer read back into sentences and the passages they cite."""

from __future__ import annotations

from agentflow.agents.answer_text import answer_sentences


def test_sentences_and_their_markers() -> None:
    text = ("Revenue rose 8% [1]. It was driven by iPhone sales [2][3].\n\n"
            "- Margins fell [1, 4].\nNo marker here. Made up [9].")
    got = [(s.n, s.text, s.passage, s.cited) for s in answer_sentences(text, passages=3)]
    assert got == [(1, "Revenue rose 8%.", 0, [0]),
                   (2, "It was driven by iPhone sales.", 1, [1, 2]),
                   (3, "Margins fell.", 0, [0]),
                   (4, "No marker here.", None, []),
                   (5, "Made up.", None, [])]  # [9] names no passage it was given


def test_markers_after_the_full_stop_and_abbreviations_stay_whole() -> None:
    got = answer_sentences("Net sales were $83.0 billion. [2] Costs fell.[1]", passages=2)
    assert [(s.text, s.cited) for s in got] == [("Net sales were $83.0 billion.", [1]),
                                                ("Costs fell.", [0])]


def test_an_empty_or_punctuation_only_answer_has_no_sentences() -> None:
    assert answer_sentences("", passages=3) == []
    assert answer_sentences(" [1]. ", passages=3) == []
