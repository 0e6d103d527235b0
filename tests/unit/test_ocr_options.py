"""Which OCR the composition root chooses: off, Tesseract's when it can run the languages asked
for, and on refusing to start without them."""

from __future__ import annotations

import pytest

from agentflow.adapters.extract import tesseract
from agentflow.domain.errors import DependencyMissing
from agentflow.runtime.ocr import ocr_options
from agentflow.settings import IngestSettings, OcrMode, Settings


def settings(**ingest: object) -> Settings:
    return Settings(ingest=IngestSettings(**ingest))  # type: ignore[arg-type]


def test_off_is_off_and_auto_takes_the_settings_when_tesseract_can_read_them() -> None:
    assert ocr_options(settings(ocr="off")) is None
    if not tesseract.tesseract_available():
        pytest.fail("Tesseract is not installed: apt-get install tesseract-ocr (CI installs it)")
    chosen = ocr_options(settings(ocr_dpi=150, ocr_page_timeout_s=9))
    assert chosen is not None and (chosen.languages, chosen.dpi, chosen.timeout_s) == (
        "eng", 150, 9)


def test_a_language_without_data_turns_auto_off_and_on_into_a_refusal() -> None:
    assert ocr_options(settings(ocr_languages="eng+qqq")) is None
    with pytest.raises(DependencyMissing, match="no data for qqq"):
        ocr_options(settings(ocr=OcrMode.ON, ocr_languages="eng+qqq"))


def test_without_tesseract_auto_is_off_and_on_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tesseract, "TESSERACT", "tesseract-that-is-not-installed")
    assert ocr_options(settings()) is None
    with pytest.raises(DependencyMissing, match="apt-get install tesseract-ocr"):
        ocr_options(settings(ocr="on"))
