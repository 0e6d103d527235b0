"""OCR benchmark: quality and speed of scanned pages, against the real text layer, same run.

Scans are made here from real PDFs (pages rendered to grey images at ``--dpi`` and put in PDFs
with no text layer), so the original text layer is the ground truth. Against one
``agentflow serve`` (OCR on):

- quality: sampled text pages of the real PDFs, scanned; the character match of each
  recognised page with the original page's text (the extractor's reading of it), median, worst,
  and the table-heavy pages (a third of their lines or more carry two figures);
- speed: the first 50 pages of a 10-Q scanned, upload to ``ready``, and in the same run the same
  50 pages as text: pages/s of each;
- robustness: every ``image_only_needs_ocr`` file of the robustness set, its outcome and time.

    make bench-ocr          # or: .venv/bin/python -m bench.ocr [--pages 40]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pymupdf
from tests.fakes.scans import char_match, image_only_pdf, text_layer

from bench.common import SHARED, Server, write_result

SOURCES = ["DeepSeek_R1.pdf", "react_paper.pdf", "lyft_2021.pdf", "uber_2021.pdf",
           "sec10q/2022 Q3 AAPL.pdf", "sec10q/2023 Q1 MSFT.pdf", "sec10q/2023 Q2 NVDA.pdf"]
FIFTY = SHARED / "pdfs" / "real" / "sec10q" / "2022 Q3 AMZN.pdf"
_FIGURE = re.compile(r"\(?\$?\d[\d,]*\.?\d*\)?%?")


def table_heavy(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    rows = sum(1 for line in lines if len(_FIGURE.findall(line)) >= 2)
    return bool(lines) and rows / len(lines) >= 1 / 3


def sample_pages(count: int, seed: int = 7) -> list[tuple[Path, int]]:
    """``count`` pages with text (>= 400 characters), spread over the sources."""
    rng = random.Random(seed)
    candidates = []
    for name in SOURCES:
        path = SHARED / "pdfs" / "real" / name
        with pymupdf.open(path) as document:
            candidates += [(path, n) for n in range(1, document.page_count + 1)
                           if len(document[n - 1].get_text("text").strip()) >= 400]
    return sorted(rng.sample(candidates, min(count, len(candidates))))


def scan_of(pages: list[tuple[Path, int]], target: Path, dpi: int) -> Path:
    """The sampled pages, scanned, in one PDF (in order)."""
    scan = pymupdf.open()
    with tempfile.TemporaryDirectory() as tmp:
        for k, (path, number) in enumerate(pages):
            one = image_only_pdf(path, Path(tmp) / f"{k}.pdf", range(number - 1, number), dpi=dpi)
            with pymupdf.open(one) as page:
                scan.insert_pdf(page)
    scan.save(target, deflate=True)
    return target


def page_texts(server: Server, document_id: str, count: int) -> list[dict[str, Any]]:
    return [httpx.get(f"{server.url}/v1/documents/{document_id}/pages/{n}", timeout=30).json()
            for n in range(1, count + 1)]


def timed_ingest(server: Server, path: Path) -> tuple[str, float, dict[str, Any]]:
    started = time.perf_counter()
    document_id = server.upload(path)
    (body,) = server.wait_ready([document_id], timeout_s=1800)
    return document_id, time.perf_counter() - started, body


def quality(server: Server, work: Path, count: int, dpi: int) -> dict[str, Any]:
    pages = sample_pages(count)
    document_id, seconds, body = timed_ingest(server, scan_of(pages, work / "sample.pdf", dpi))
    scores = []
    for (path, number), page in zip(pages, page_texts(server, document_id, len(pages)),
                                    strict=True):
        truth = text_layer(path, number)
        scores.append({"source": f"{path.name} p{number}", "match": round(
            char_match(truth, page["text"]), 4), "ocr": page.get("ocr"),
            "confidence": page.get("ocr_confidence"), "table_heavy": table_heavy(truth)})
    tables = [s["match"] for s in scores if s["table_heavy"]]
    worst = min(scores, key=lambda s: s["match"])
    return {"pages": len(scores), "status": body["status"], "seconds": round(seconds, 1),
            "median_match": statistics.median(s["match"] for s in scores),
            "p10_match": sorted(s["match"] for s in scores)[len(scores) // 10],
            "worst": worst, "table_heavy_pages": len(tables),
            "table_heavy_median": statistics.median(tables) if tables else None,
            "all_ocr": all(s["ocr"] for s in scores), "per_page": scores}


def speed(server: Server, work: Path, dpi: int) -> dict[str, Any]:
    text_pdf = work / "fifty-text.pdf"
    with pymupdf.open(FIFTY) as original:
        fifty = pymupdf.open()
        fifty.insert_pdf(original, from_page=0, to_page=49)
        fifty.save(text_pdf)
    scan = image_only_pdf(FIFTY, work / "fifty-scan.pdf", range(50), dpi=dpi)
    _, text_s, text_body = timed_ingest(server, text_pdf)
    _, scan_s, scan_body = timed_ingest(server, scan)
    return {"pages": 50, "text_seconds": round(text_s, 1), "scan_seconds": round(scan_s, 1),
            "text_pages_per_s": round(50 / text_s, 2), "scan_pages_per_s": round(50 / scan_s, 2),
            "scan_status": scan_body["status"], "text_status": text_body["status"],
            "scan_chunks": scan_body["chunks"], "text_chunks": text_body["chunks"]}


def robustness(server: Server) -> list[dict[str, Any]]:
    root = SHARED / "pdfs" / "robustness"
    with (root / "manifest.csv").open() as handle:
        rows = [row for row in csv.DictReader(handle)
                if "image_only_needs_ocr" in row["category"]]
    outcomes = []
    for row in rows:
        document_id, seconds, body = timed_ingest(server, root / row["path"])
        chars = sum(len(p["text"]) for p in page_texts(server, document_id, body["pages"] or 0)) \
            if body["status"] == "ready" else 0
        outcomes.append({"file": row["path"], "status": body["status"],
                         "seconds": round(seconds, 1), "chars": chars,
                         "reason": (body.get("error") or {}).get("message")})
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=40, help="sampled pages for quality")
    parser.add_argument("--dpi", type=int, default=200, help="resolution of the scans")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agentflow-ocr-") as tmp:
        work = Path(tmp)
        server = Server(work / "data", env={"AGENTFLOW_INGEST__OCR": "on"})
        try:
            result = {"dpi": args.dpi, "speed": speed(server, work, args.dpi),
                      "quality": quality(server, work, args.pages, args.dpi),
                      "robustness": robustness(server)}
        finally:
            server.stop()
    path = write_result("ocr", result)
    print(report(result))
    print(f"\nfull results: {path}")


def report(r: dict[str, Any]) -> str:
    q, s = r["quality"], r["speed"]
    ready = sum(1 for o in r["robustness"] if o["status"] == "ready")
    return "\n".join([
        f"quality ({q['pages']} scanned pages at {r['dpi']} dpi): median match "
        f"{q['median_match']:.3f}, p10 {q['p10_match']:.3f}, worst {q['worst']['match']:.3f} "
        f"({q['worst']['source']}); table-heavy pages: {q['table_heavy_pages']}, median "
        f"{q['table_heavy_median']}",
        f"speed (50 pages of {FIFTY.name}): scanned {s['scan_seconds']} s "
        f"({s['scan_pages_per_s']} pages/s), as text {s['text_seconds']} s "
        f"({s['text_pages_per_s']} pages/s)",
        f"robustness: {ready}/{len(r['robustness'])} image-only files ready; slowest "
        f"{max(o['seconds'] for o in r['robustness'])} s",
    ])


if __name__ == "__main__":
    main()
