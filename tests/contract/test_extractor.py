"""Extractor contract on real PDFs: text, line offsets, warnings, refusals."""

from __future__ import annotations

import csv
import json
import pickle
import shutil
from pathlib import Path

import pymupdf
import pytest

from agentflow.adapters.extract import pymupdf_extractor
from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
from agentflow.adapters.extract.tesseract import tesseract_available
from agentflow.domain.documents import DocumentPage
from agentflow.domain.errors import EncryptedPdf, NotAPdf, UnreadablePdf
from agentflow.domain.extraction import OcrOptions, page_json_lines
from agentflow.ports.extractor import Extractor
from tests.fakes.scans import char_match, image_only_pdf, text_layer


@pytest.fixture(params=["pymupdf"])
def extractor(request: pytest.FixtureRequest) -> Extractor:
    return PyMuPdfExtractor()


def manifest(robustness_dir: Path, category: str) -> list[Path]:
    with (robustness_dir / "manifest.csv").open() as handle:
        return [robustness_dir / row["path"] for row in csv.DictReader(handle)
                if category in row["category"].split(";")]


def test_pages_carry_text_and_line_boxes_that_index_the_text(extractor: Extractor,
                                                             small_pdf: Path) -> None:
    info = extractor.inspect(small_pdf)
    assert info.page_count == 28 and not info.encrypted
    extracted = extractor.extract(small_pdf, 3, 5, "d1")
    assert [p.number for p in extracted.pages] == [3, 4, 5]
    page = extracted.pages[0]
    assert "Apple" in page.text and page.width > 0 and page.blocks
    for block in page.blocks:
        for line in block.lines:
            x0, y0, x1, y1 = line.bbox
            assert 0 <= line.start < line.end <= len(page.text) and x0 <= x1 and y0 <= y1
            assert page.text[line.start:line.end].strip()


def test_a_thumbnail_is_page_one_at_the_width_asked(extractor: Extractor,
                                                    small_pdf: Path, tmp_path: Path) -> None:
    import pymupdf

    preview = pymupdf.Pixmap(extractor.thumbnail(small_pdf, 200))
    assert preview.width == 200 and 200 < preview.height <= 300 and not preview.alpha
    # A very tall page is cut to its top, so every preview has a sensible shape.
    tall = pymupdf.open()
    tall.new_page(width=200, height=4000).insert_text((20, 40), "the top of a long page")
    tall.save(tmp_path / "tall.pdf")
    cut = pymupdf.Pixmap(extractor.thumbnail(tmp_path / "tall.pdf", 100))
    assert (cut.width, cut.height) == (100, 150)


def test_json_lines_hold_the_same_pages_one_a_line(extractor: Extractor, small_pdf: Path,
                                                   robustness_dir: Path) -> None:
    lines = extractor.extract_lines(small_pdf, 3, 5, "d1").split("\n")
    assert [DocumentPage.model_validate_json(line) for line in lines] == \
        extractor.extract(small_pdf, 3, 5, "d1").pages
    assert [page.number for page in page_json_lines("\n".join(lines), 3, 5)] == [3, 4, 5]
    with pytest.raises(ValueError):
        page_json_lines("\n".join(lines), 3, 6)
    assert extractor.extract_lines(small_pdf, 1, 0, "d1") == ""  # an empty range
    assert page_json_lines("", 1, 0) == [] and extractor.extract(small_pdf, 1, 0, "d1").pages == []
    scanned = manifest(robustness_dir, "image_only_needs_ocr")[0]
    (line,) = extractor.extract_lines(scanned, 1, 1, "d").split("\n")
    assert DocumentPage.model_validate_json(line).warnings[0].code == "no_text_layer"


def test_json_lines_split_only_at_newlines_not_at_unicode_line_separators() -> None:
    pages = [DocumentPage(document_id="d", number=n, width=1, height=1, blocks=[],
                          text=f"a\u2028b\u2029c\x85d {n}") for n in (1, 2)]
    lines = "\n".join(json.dumps(p.model_dump(mode="json"), ensure_ascii=False) for p in pages)
    assert "\u2028" in lines  # json leaves them raw: str.splitlines() would cut pages apart
    assert [DocumentPage.model_validate_json(p.body) for p in page_json_lines(lines, 1, 2)] == pages


def test_the_extractor_travels_to_worker_processes_and_rereads_a_changed_file(
        extractor: Extractor, small_pdf: Path, tiny_pdf: Path, tmp_path: Path) -> None:
    copy = pickle.loads(pickle.dumps(extractor))  # uploads ship it to the process pool
    target = tmp_path / "doc.pdf"
    shutil.copyfile(small_pdf, target)
    first = copy.extract_lines(target, 1, 2, "d")
    open_documents = pymupdf_extractor._OPEN.documents
    key = next(key for key in open_documents if key[0] == str(target))
    document = open_documents[key]
    assert copy.extract_lines(target, 1, 2, "d") == first
    assert open_documents[key] is document  # the open file is reused
    shutil.copyfile(tiny_pdf, target)  # same path, other bytes: read afresh
    assert copy.extract(target, 1, 1, "d").pages == extractor.extract(tiny_pdf, 1, 1, "d").pages


def test_a_scanned_page_is_reported_as_having_no_text_layer(extractor: Extractor,
                                                            robustness_dir: Path) -> None:
    scanned = manifest(robustness_dir, "image_only_needs_ocr")[0]
    page = extractor.extract(scanned, 1, 1, "d").pages[0]
    assert page.text == "" and [w.code for w in page.warnings] == ["no_text_layer"]


def test_password_protected_pdfs_are_refused(extractor: Extractor, robustness_dir: Path) -> None:
    (locked,) = manifest(robustness_dir, "password_required")
    with pytest.raises(EncryptedPdf):
        extractor.inspect(locked)


def test_unopenable_and_non_pdf_files_are_refused(extractor: Extractor, robustness_dir: Path,
                                                  tmp_path: Path) -> None:
    (broken,) = manifest(robustness_dir, "unopenable")
    with pytest.raises((UnreadablePdf, NotAPdf)):
        extractor.inspect(broken)
    text = tmp_path / "notes.pdf"
    text.write_text("just some text")
    with pytest.raises(NotAPdf):
        extractor.inspect(text)


def test_with_ocr_a_scanned_page_reads_like_the_text_page_it_was_made_from(
        small_pdf: Path, tmp_path: Path) -> None:
    if not tesseract_available():
        pytest.fail("Tesseract is not installed: apt-get install tesseract-ocr (CI installs it)")
    reader = PyMuPdfExtractor(OcrOptions())
    scan = image_only_pdf(small_pdf, tmp_path / "scan.pdf", range(3, 5))  # pages 4 and 5
    assert reader.inspect(scan).scanned and not reader.inspect(small_pdf).scanned
    for page, number in zip(reader.extract(scan, 1, 2, "d").pages, (4, 5), strict=True):
        assert page.ocr and page.ocr_confidence is not None and page.ocr_confidence > 0.8
        assert page.warnings == []
        assert char_match(text_layer(small_pdf, number), page.text) >= 0.95
        for block in page.blocks:
            for line in block.lines:
                x0, y0, x1, y1 = line.bbox
                assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
                assert page.text[line.start:line.end].strip()
    # A page with a text layer is read from it, as without OCR; the options cross to workers.
    assert reader.extract(small_pdf, 3, 3, "d") == PyMuPdfExtractor().extract(small_pdf, 3, 3, "d")
    assert pickle.loads(pickle.dumps(reader)).ocr == reader.ocr


def test_pages_without_usable_text_are_the_ones_recognised(small_pdf: Path) -> None:
    with pymupdf.open(small_pdf) as document:
        page = document[2]
        assert pymupdf_extractor._needs_ocr(page, "", has_images=False, garbled=0.0)
        assert pymupdf_extractor._needs_ocr(page, "x" * 500, has_images=False, garbled=0.5)
        assert not pymupdf_extractor._needs_ocr(page, "x" * 500, has_images=False, garbled=0.1)
        assert not pymupdf_extractor._needs_ocr(page, "Page 3", has_images=False, garbled=0.0)
