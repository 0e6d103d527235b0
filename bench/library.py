"""Citation accuracy at library scale: FinanceBench dev with 1,000 more small documents.

The 7 FinanceBench filings are asked about as in ``make bench-citations``, but the tenant also
holds the real PDFs (``../shared/data/pdfs/real``) and 1,000 SciFact abstracts, each typeset as
its own one-page PDF with its title as the first line (written once to
``.cache/library-scifact/``, git-ignored). The summary is saved to ``bench/results/library.json``;
compare it with the same command without the SciFact library (``--baseline``, saved to
``bench/results/library-baseline.json``); the figures may drop at most 0.05.

    make bench-library          # or: .venv/bin/python -m bench.library [--baseline]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pymupdf

from bench.common import ROOT, SHARED, write_result

LIBRARY = ROOT / ".cache" / "library-scifact"
AGENTFLOW = ROOT / ".venv" / "bin" / "agentflow"


def scifact_library(target: Path = LIBRARY, documents: int = 1000) -> list[Path]:
    """The first ``documents`` SciFact abstracts, one one-page PDF each (title, blank line,
    abstract); files already written are kept."""
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    with (SHARED / "scifact" / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            if len(paths) == documents:
                break
            if not line.strip():
                continue
            entry = json.loads(line)
            path = target / f"scifact-{entry['_id']}.pdf"
            paths.append(path)
            if path.exists():
                continue
            document = pymupdf.open()
            page = document.new_page()
            text = f"{entry.get('title', '')}\n\n{entry.get('text', '')}"
            for size in (8, 6, 4):  # a negative return means it did not fit and wrote nothing
                if page.insert_textbox(pymupdf.Rect(40, 40, 555, 800), text, fontsize=size) >= 0:
                    break
            partial = path.with_suffix(".tmp")  # never leave a half-written PDF behind
            document.save(partial)
            partial.replace(path)
    return paths


def citations(*libraries: Path) -> dict[str, object]:
    """``agentflow eval citations`` on FinanceBench dev with ``libraries`` as distractors."""
    command = [str(AGENTFLOW), "eval", "citations", str(SHARED / "financebench-dev" / "qa.jsonl"),
               "--pdfs", str(SHARED / "financebench-dev" / "pdfs"), "--json"]
    for library in libraries:
        command += ["--library", str(library)]
    completed = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", action="store_true",
                        help="leave the SciFact library out (the real PDFs stay)")
    args = parser.parse_args()
    if args.baseline:
        result = citations(SHARED / "pdfs" / "real")
    else:
        pdfs = scifact_library()
        print(f"{len(pdfs)} SciFact PDFs in {LIBRARY}", file=sys.stderr)
        result = citations(SHARED / "pdfs" / "real", LIBRARY)
    path = write_result("library-baseline" if args.baseline else "library", result)
    print(json.dumps(result, indent=2))
    print(f"\nsaved: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
