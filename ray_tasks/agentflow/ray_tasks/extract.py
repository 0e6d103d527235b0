"""Extraction as a batch stage: page ranges of PDFs in, pages (JSON) out.

A plain callable class: Ray builds one per actor of the CPU pool, the local process pool one per
worker, and a test can call it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
from agentflow.domain.batches import BatchStage, PoolKind
from agentflow.domain.extraction import OcrOptions


def extract_stage(ocr: OcrOptions | None = None) -> BatchStage:
    """One page range per call: ranges are already sized by the workflow's fan-out. ``ocr``:
    how the workers recognise pages without usable text (chosen by the composition root)."""
    return BatchStage(name="extract", factory=ExtractPages, pool=PoolKind.CPU, batch_size=1,
                      options=(("ocr", ocr.model_dump_json() if ocr else ""),))


class ExtractPages:
    """Columns ``path``, ``first``, ``last``, ``document_id`` -> ``pages`` (the range as JSON
    Lines, one ``DocumentPage`` a line: a flat table, and stored as it comes)."""

    def __init__(self, ocr: str = "") -> None:
        self._extractor = PyMuPdfExtractor(OcrOptions.model_validate_json(ocr) if ocr else None)

    def __call__(self, batch: dict[str, Sequence[Any]]) -> dict[str, Sequence[Any]]:
        pages = [
            self._extractor.extract_lines(Path(str(path)), int(first), int(last),
                                          str(document_id))
            for path, first, last, document_id in zip(
                batch["path"], batch["first"], batch["last"], batch["document_id"], strict=True)
        ]
        return {"pages": pages}
