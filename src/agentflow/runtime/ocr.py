"""Choosing how scanned pages are read: Tesseract's options, or no OCR."""

from __future__ import annotations

import structlog

from agentflow.domain.errors import DependencyMissing
from agentflow.domain.extraction import OcrOptions
from agentflow.settings import OcrMode, Settings

log = structlog.get_logger(__name__)
INSTALL = "apt-get install tesseract-ocr (Debian, Ubuntu) or brew install tesseract (macOS)"


def ocr_options(settings: Settings) -> OcrOptions | None:
    """``AGENTFLOW_INGEST__OCR``: ``off``, none; ``auto``, Tesseract's when it is installed with
    the languages asked for; ``on``, Tesseract's, refusing to start without them."""
    ingest = settings.ingest
    if ingest.ocr is OcrMode.OFF:
        return None
    from agentflow.adapters.extract.tesseract import installed_languages, tesseract_available

    wanted = set(ingest.ocr_languages.split("+"))
    missing = wanted - installed_languages() if tesseract_available() else wanted
    if missing:
        what = ("Tesseract is not installed" if not tesseract_available() else
                f"Tesseract has no data for {'+'.join(sorted(missing))}")
        if ingest.ocr is OcrMode.ON:
            raise DependencyMissing(f"AGENTFLOW_INGEST__OCR=on, but {what}: {INSTALL}",
                                    module="tesseract", extra="")
        log.info("ocr_off", reason=what, install=INSTALL)
        return None
    return OcrOptions(languages=ingest.ocr_languages, dpi=ingest.ocr_dpi,
                      timeout_s=ingest.ocr_page_timeout_s)
