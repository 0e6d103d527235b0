"""Picklable jobs that run on a ``BatchExecutor`` worker (away from the server process)."""

from __future__ import annotations

from pathlib import Path

from agentflow.domain.extraction import PdfInfo
from agentflow.ports.extractor import Extractor


def inspect_pdf(job: tuple[Extractor, Path]) -> PdfInfo:
    extractor, path = job
    return extractor.inspect(path)


def render_page(job: tuple[Extractor, Path, int, list[tuple[float, float, float, float]], float],
                ) -> bytes:
    extractor, path, number, highlights, zoom = job
    return extractor.render(path, number, highlights, zoom)


def render_thumbnail(job: tuple[Extractor, Path, int]) -> bytes:
    extractor, path, width = job
    return extractor.thumbnail(path, width)
