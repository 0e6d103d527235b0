"""Tesseract's TSV becomes a PyMuPDF-shaped layout: paragraphs are blocks, lines keep their
words a space apart, pixels become points, and the confidence is weighted by word length."""

from __future__ import annotations

import pytest

from agentflow.adapters.extract.tesseract import layout_from_tsv
from agentflow.domain.documents import PageJson
from agentflow.domain.extraction import OcrOptions, recognised
from agentflow.settings import IngestSettings, OcrMode

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def word(block: int, par: int, line: int, n: int, left: int, top: int, text: str,
         conf: float = 90.0) -> str:
    return f"5\t1\t{block}\t{par}\t{line}\t{n}\t{left}\t{top}\t{10 * len(text)}\t20\t{conf}\t{text}"


def test_words_become_lines_and_paragraphs_become_blocks_in_points() -> None:
    tsv = "\n".join([
        HEADER,
        "1\t1\t0\t0\t0\t0\t0\t0\t1700\t2200\t-1\t",  # page, block, ... rows carry no text
        word(1, 1, 1, 1, 100, 200, "Total"), word(1, 1, 1, 2, 160, 200, "revenue"),
        word(1, 1, 2, 1, 100, 240, "rose", conf=50.0),
        word(2, 1, 1, 1, 100, 400, "Notes"),
        word(2, 1, 1, 2, 170, 400, "   "),  # a blank word is no word
    ])
    result = layout_from_tsv(tsv, scale=0.5, origin=(10.0, 0.0))
    blocks = result.layout["blocks"]
    assert [[line["spans"][0]["text"] for line in b["lines"]] for b in blocks] == [
        ["Total revenue", "rose"], ["Notes"]]
    first = blocks[0]["lines"][0]["bbox"]
    assert first == [60.0, 100.0, 10 + (160 + 70) * 0.5, 110.0]  # pixels * scale + origin
    assert blocks[0]["bbox"] == [60.0, 100.0, first[2], 130.0]
    letters = 5 + 7 + 4 + 5
    assert result.confidence == pytest.approx((90 * (5 + 7 + 5) + 50 * 4) / letters / 100, abs=1e-4)


def test_a_page_without_words_has_no_blocks_and_no_confidence() -> None:
    result = layout_from_tsv(HEADER + "\n1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t", scale=1.0)
    assert result.layout == {"blocks": []} and result.confidence is None


def test_recognised_pages_are_told_by_their_flag() -> None:
    assert recognised(PageJson(number=1, body='{"number":1,"ocr":true}'))
    assert not recognised(PageJson(number=1, body='{"number":1,"ocr":false}'))


def test_languages_are_tesseract_codes_joined_by_plus() -> None:
    assert OcrOptions(languages="eng+deu").languages == "eng+deu"
    with pytest.raises(ValueError):
        OcrOptions(languages="eng; rm -rf /")
    with pytest.raises(ValueError):
        IngestSettings(ocr_languages="eng deu")
    assert IngestSettings().ocr is OcrMode.AUTO
