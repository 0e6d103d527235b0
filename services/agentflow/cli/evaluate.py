"""``agentflow eval beir DIR`` and ``agentflow eval citations QA.jsonl --pdfs DIR [--library DIR]``.

Both run an embedded AgentFlow in this process (same container, workflows and search as the
server) on a data dir of their own: a temporary one unless ``--data-dir`` keeps the index for
the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from agentflow.runtime.container import Container


@asynccontextmanager
async def _embedded(data_dir: Path | None, concurrency: int) -> AsyncIterator[Container]:
    from agentflow.observability.logging import configure_logging
    from agentflow.runtime.container import build_container
    from agentflow.settings import Settings

    with tempfile.TemporaryDirectory(prefix="agentflow-eval-") as scratch:
        base = Settings()
        settings = base.model_copy(update={
            "data_dir": data_dir or Path(scratch),
            "ingest": base.ingest.model_copy(update={"max_concurrent_documents": concurrency})})
        configure_logging("warning", json=False)
        container = build_container(settings)
        await container.start()
        try:
            yield container
        finally:
            await container.close()


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.json:
        print(text, file=sys.stderr, flush=True)


async def _beir(args: argparse.Namespace) -> dict[str, Any]:
    from agentflow.evaluation import beir
    from agentflow.evaluation.metrics import evaluate, trec_lines

    data = beir.load_beir(args.folder, args.split)
    modes = list(beir.MODES) if args.mode == "all" else [args.mode]
    out: dict[str, Any] = {"corpus": len(data.corpus), "queries": len(data.queries),
                           "split": args.split, "modes": {}}
    async with _embedded(args.data_dir, args.concurrency) as container:
        started = time.perf_counter()
        ready = await beir.index_corpus(container, data.corpus,
                                        lambda n, total: _say(args, f"indexed {n}/{total}"))
        out["index_seconds"] = round(time.perf_counter() - started, 1)
        out["documents_ready"] = ready
        _say(args, f"{ready} documents ready in {out['index_seconds']} s")
        for mode in modes:
            started = time.perf_counter()
            run = await beir.run_mode(container, data.queries, mode)
            scores = evaluate(run, data.qrels)
            scores["ms_per_query"] = (time.perf_counter() - started) * 1000 / len(data.queries)
            out["modes"][mode] = scores
            if args.run_out is not None:
                target = args.run_out if len(modes) == 1 else args.run_out.with_suffix(
                    f".{mode}{args.run_out.suffix}")
                target.write_text("\n".join(trec_lines(run, f"agentflow-{mode}")) + "\n")
    return out


async def _citations(args: argparse.Namespace) -> dict[str, Any]:
    from agentflow.evaluation import citations
    from agentflow.evaluation.citation_summary import question_record, summarize

    rows = citations.load_qa(args.qa)
    pdfs = [(pdf.stem, pdf) for pdf in sorted(args.pdfs.glob("*.pdf"))]
    pdfs += citations.library_pdfs(args.library)
    async with _embedded(args.data_dir, 3) as container:
        started = time.perf_counter()
        collection = await citations.index_pdfs(container, pdfs)
        ingest_seconds = round(time.perf_counter() - started, 1)
        _say(args, f"{len(collection.names)} PDFs ready, {collection.failed} failed, in "
                   f"{ingest_seconds} s; asking {len(rows)} questions")
        started = time.perf_counter()
        outcomes = [await citations.ask_one(container, row, collection,
                                            filter_document=args.filter_document)
                    for row in rows]
        asking = time.perf_counter() - started
    summary: dict[str, Any] = {
        "documents_ready": len(collection.names), "documents_failed": collection.failed,
        **summarize(outcomes), "ingest_seconds": ingest_seconds,
        "ms_per_question": round(asking * 1000 / (len(rows) or 1), 1)}
    return {"summary": summary, "questions": [question_record(o) for o in outcomes]}


def _print(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    if "modes" in result:
        print(f"{'mode':14} {'nDCG@10':>8} {'R@10':>7} {'R@100':>7} {'MRR@10':>7} {'ms/q':>6}")
        for mode, s in result["modes"].items():
            print(f"{mode:14} {s['ndcg@10']:8.4f} {s['recall@10']:7.4f} {s['recall@100']:7.4f} "
                  f"{s['mrr@10']:7.4f} {s['ms_per_query']:6.1f}")
        return
    for name, value in result.get("summary", result).items():
        print(f"{name:28} {value:.4f}" if isinstance(value, float) else f"{name:28} {value}")


def _run(args: argparse.Namespace) -> int:
    from agentflow.domain.errors import AgentFlowError

    try:
        result = asyncio.run(_beir(args) if args.eval_command == "beir" else _citations(args))
    except AgentFlowError as exc:
        print(f"agentflow: {exc.detail}", file=sys.stderr)
        return 2
    _print(result, args.json)
    return 0


def add_eval_commands(commands: Any) -> None:
    evaluate = commands.add_parser("eval", help="measure retrieval and citation quality")
    kinds = evaluate.add_subparsers(dest="eval_command", required=True)
    beir = kinds.add_parser("beir", help="nDCG@10, recall@10/100, MRR@10 on a BEIR folder")
    beir.add_argument("folder", type=Path)
    beir.add_argument("--split", default="test")
    beir.add_argument("--mode", default="all",
                      choices=["dense", "bm25", "hybrid", "hybrid-rerank", "all"])
    beir.add_argument("--run-out", type=Path, default=None,
                      help="TREC run file (top 100); with several modes, one file per mode")
    beir.add_argument("--concurrency", type=int, default=8, help="documents ingested at once")
    cites = kinds.add_parser("citations", help="evidence pages retrieved and cited")
    cites.add_argument("qa", type=Path)
    cites.add_argument("--pdfs", type=Path, required=True,
                       help="the evidence documents (*.pdf), named by file stem in qa.jsonl")
    cites.add_argument("--library", type=Path, action="append", default=[],
                       help="more PDFs (found recursively) uploaded as distractors; repeatable")
    cites.add_argument("--filter-document", action="store_true",
                       help="restrict each question to its evidence document")
    for parser in (beir, cites):
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="keep the index here (default: a temporary directory)")
        parser.set_defaults(run=_run)
