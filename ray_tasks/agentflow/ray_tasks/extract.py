"""Extraction as a batch stage: page ranges of PDFs in, pages (JSON) out.

A plain callable class: Ray builds one per actor of the CPU pool, the local process pool one per
worker, and a test can call it directly.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
from agentflow.domain.batches import BatchStage, PoolKind
from agentflow.domain.extraction import OcrOptions


def extract_stage(ocr: OcrOptions | None = None) -> BatchStage:
    """One page range per call: ranges are already sized by the workflow's fan-out. ``ocr``:
    how the workers recognise pages without usable text (chosen by the composition root)."""
    return BatchStage(name="extract", factory=ExtractPages, pool=PoolKind.CPU, batch_size=1,
                      options=(("ocr", ocr.model_dump_json() if ocr else ""),))


class ExtractPages:
    """Columns ``path``, ``first``, ``last``, ``document_id`` (and optionally ``url``) ->
    ``pages`` (the range as JSON Lines, one ``DocumentPage`` a line: a flat table, and stored as
    it comes).

    ``path`` is the orchestrator's local copy. A worker on another node, where that path does
    not exist, reads the original from the object store by ``url`` (a short-lived presigned
    link) into a small cache of its own (``FetchedOriginals``)."""

    def __init__(self, ocr: str = "") -> None:
        self._extractor = PyMuPdfExtractor(OcrOptions.model_validate_json(ocr) if ocr else None)
        self._fetched = FetchedOriginals()

    def __call__(self, batch: dict[str, Sequence[Any]]) -> dict[str, Sequence[Any]]:
        urls = batch.get("url") or [""] * len(batch["path"])
        pages = [
            self._extractor.extract_lines(self._local(str(path), str(url or "")), int(first),
                                          int(last), str(document_id))
            for path, first, last, document_id, url in zip(
                batch["path"], batch["first"], batch["last"], batch["document_id"], urls,
                strict=True)
        ]
        return {"pages": pages}

    def _local(self, path: str, url: str) -> Path:
        local = Path(path)
        if local.exists() or not url:
            return local
        return self._fetched.get(url)


class FetchedOriginals:
    """Originals downloaded by presigned URL on a worker, the ``keep`` most recent kept (the
    ranges of one document arrive together). Named by the object (the URL without its
    signature), written atomically."""

    def __init__(self, keep: int = 8, folder: Path | None = None) -> None:
        self._keep = keep
        self._folder = folder or Path(tempfile.gettempdir()) / f"agentflow-originals-{os.getpid()}"
        self._files: OrderedDict[str, Path] = OrderedDict()

    def get(self, url: str) -> Path:
        name = hashlib.sha256(url.split("?", 1)[0].encode()).hexdigest()[:32]
        cached = self._files.get(name)
        if cached is not None and cached.exists():
            self._files.move_to_end(name)
            return cached
        self._folder.mkdir(parents=True, exist_ok=True)
        target = self._folder / f"{name}.pdf"
        partial = target.with_suffix(".part")
        with httpx.stream("GET", url, timeout=60.0) as response, partial.open("wb") as out:
            response.raise_for_status()
            for block in response.iter_bytes(1 << 20):
                out.write(block)
        partial.replace(target)
        self._files[name] = target
        while len(self._files) > self._keep:
            _, old = self._files.popitem(last=False)
            old.unlink(missing_ok=True)
        return target
