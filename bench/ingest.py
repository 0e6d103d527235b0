"""Ingestion benchmark: AgentFlow end to end vs its own embedder vs PyTorch vs LlamaIndex.

Everything is measured in one run on the same PDFs and the same chunks, and reported as ratios,
because these machines are shared and noisy. Usage:

    make bench-ingest                      # the 20 SEC 10-Q filings (1,037 pages)
    .venv/bin/python bench/ingest.py --quick   # 4 filings, for a smoke run
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pymupdf

from bench.common import MODEL_CACHE, SHARED, PeakRss, Server, write_result

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def agentflow_end_to_end(pdfs: list[Path], work: Path) -> dict[str, Any]:
    server = Server(work / "bulk")
    try:
        with PeakRss(server.process.pid) as rss:
            started = time.perf_counter()
            ids = [server.upload(pdf) for pdf in pdfs]
            bodies = server.wait_ready(ids)
            elapsed = time.perf_counter() - started
        texts = server.chunk_texts()
    finally:
        server.stop()
    failed = [b["name"] for b in bodies if b["status"] != "ready"]
    pages = sum(int(b["pages"] or 0) for b in bodies)
    chunks = sum(int(b["chunks"] or 0) for b in bodies)
    return {"seconds": elapsed, "pages": pages, "chunks": chunks, "failed": failed,
            "pages_per_s": pages / elapsed, "chunks_per_s": chunks / elapsed,
            "peak_rss_mb": rss.peak / 2**20, "texts": texts}


def single_filing_latency(pdf: Path, work: Path, runs: int = 3) -> dict[str, Any]:
    """Upload to ready on an idle, freshly started server; the median of ``runs``."""
    times = []
    for run in range(runs):
        server = Server(work / f"single-{run}")
        try:
            started = time.perf_counter()
            (body,) = server.wait_ready([server.upload(pdf)])
            times.append(time.perf_counter() - started)
            texts = server.chunk_texts()
        finally:
            server.stop()
    return {"file": pdf.name, "pages": body["pages"], "chunks": body["chunks"],
            "seconds_to_ready": sorted(times)[len(times) // 2], "runs": times, "texts": texts}


def embedder_throughput(texts: list[str]) -> dict[str, Any]:
    from agentflow.runtime.embedding import build_embedder
    from agentflow.settings import EmbeddingSettings, Settings

    embedder = build_embedder(Settings(embedding=EmbeddingSettings(cache_dir=MODEL_CACHE)))
    embedder.embed_sync(texts[:32])  # type: ignore[attr-defined]  # warm-up
    started = time.perf_counter()
    embedder.embed_sync(texts)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    return {"name": embedder.name, "chunks": len(texts), "chunks_per_s": len(texts) / elapsed}


def runtimes_vs_pytorch(texts: list[str], rounds: int = 3) -> dict[str, Any]:
    """Same chunks through sentence-transformers (PyTorch) and the ONNX runtimes, in
    interleaved rounds; each rate is the median of its rounds."""
    from sentence_transformers import SentenceTransformer

    from agentflow.runtime.embedding import build_embedder, default_model_dir
    from agentflow.settings import EmbeddingBackend, EmbeddingSettings, Settings

    model = SentenceTransformer(str(default_model_dir()), device="cpu")
    runners: dict[str, Any] = {
        "sentence-transformers": lambda batch: model.encode(batch, batch_size=32,
                                                            normalize_embeddings=True)}
    for backend in (EmbeddingBackend.ONNX_INT8, EmbeddingBackend.ONNX_FP32):
        embedder = build_embedder(Settings(embedding=EmbeddingSettings(backend=backend,
                                                                       cache_dir=MODEL_CACHE)))
        runners[str(backend)] = embedder.embed_sync  # type: ignore[attr-defined]
    rates: dict[str, list[float]] = {name: [] for name in runners}
    vectors: dict[str, np.ndarray] = {}
    for run in runners.values():
        run(texts[:32])  # warm-up
    for _ in range(rounds):
        for name, run in runners.items():
            time.sleep(1.0)  # let the previous runtime's spinning worker threads go idle
            started = time.perf_counter()
            vectors[name] = np.asarray(run(texts))
            rates[name].append(len(texts) / (time.perf_counter() - started))
    median = {name: sorted(values)[len(values) // 2] for name, values in rates.items()}
    reference = vectors["sentence-transformers"]
    out: dict[str, Any] = {"sample": len(texts), "rounds": rates,
                           "sentence_transformers_per_s": median["sentence-transformers"]}
    for backend in ("onnx-int8", "onnx-fp32"):
        cosines = (vectors[backend] * reference).sum(axis=1)
        out[backend] = {"per_s": median[backend],
                        "speedup": median[backend] / median["sentence-transformers"],
                        "mean_cosine": float(cosines.mean()), "min_cosine": float(cosines.min())}
    return out


def llamaindex(pdfs: list[Path]) -> dict[str, Any]:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.readers.file import PyMuPDFReader

    from agentflow.runtime.embedding import default_model_dir

    embed = HuggingFaceEmbedding(model_name=str(default_model_dir()), device="cpu")
    started = time.perf_counter()
    documents = [doc for pdf in pdfs for doc in PyMuPDFReader().load_data(file_path=pdf)]
    index = VectorStoreIndex.from_documents(
        documents, embed_model=embed,
        transformations=[SentenceSplitter(chunk_size=256, chunk_overlap=32)])
    elapsed = time.perf_counter() - started
    nodes = len(index.docstore.docs)
    return {"seconds": elapsed, "pages": len(documents), "chunks": nodes,
            "pages_per_s": len(documents) / elapsed, "chunks_per_s": nodes / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pdfs", type=Path, default=SHARED / "pdfs" / "real" / "sec10q")
    parser.add_argument("--quick", action="store_true", help="4 filings instead of all")
    parser.add_argument("--sample", type=int, default=384,
                        help="chunks for the PyTorch head-to-head")
    parser.add_argument("--skip-llamaindex", action="store_true")
    args = parser.parse_args()
    pdfs = sorted(args.pdfs.glob("*.pdf"))[: 4 if args.quick else None]
    page_counts = {pdf: pymupdf.open(pdf).page_count for pdf in pdfs}
    fifty = min(page_counts, key=lambda p: abs(page_counts[p] - 50))
    result: dict[str, Any] = {"pdfs": len(pdfs), "pages": sum(page_counts.values())}
    with tempfile.TemporaryDirectory(prefix="agentflow-bench-") as tmp:
        work = Path(tmp)
        e2e = agentflow_end_to_end(pdfs, work)
        texts = e2e.pop("texts")
        result["agentflow"] = e2e
        result["single_filing"] = single = single_filing_latency(fifty, work)
    result["embedder"] = embedder_throughput(texts)
    # The floor of the single-filing latency: its own chunks through the embedder alone.
    floor = embedder_throughput(single.pop("texts"))
    single["embedder_alone_s"] = floor["chunks"] / floor["chunks_per_s"]
    result["pipeline_vs_embedder"] = e2e["chunks_per_s"] / result["embedder"]["chunks_per_s"]
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.choice(len(texts), min(args.sample, len(texts)),
                                           replace=False)]
    result["runtimes"] = runtimes_vs_pytorch(sample)
    if not args.skip_llamaindex:
        result["llamaindex"] = llamaindex(pdfs)
        result["vs_llamaindex_pages"] = e2e["pages_per_s"] / result["llamaindex"]["pages_per_s"]
    path = write_result("ingest-quick" if args.quick else "ingest", result)
    print(report(result))
    print(f"\nfull results: {path}")


def report(r: dict[str, Any]) -> str:
    a, e, rt = r["agentflow"], r["embedder"], r["runtimes"]
    lines = [
        f"PDFs: {r['pdfs']}  pages: {r['pages']}  chunks: {a['chunks']}  failed: {a['failed']}",
        f"AgentFlow end to end: {a['pages_per_s']:.1f} pages/s, {a['chunks_per_s']:.1f} chunks/s "
        f"({a['seconds']:.1f} s), server peak RSS {a['peak_rss_mb']:.0f} MB",
        f"embedder alone ({e['name']}): {e['chunks_per_s']:.1f} chunks/s -> pipeline reaches "
        f"{100 * r['pipeline_vs_embedder']:.0f}% of it",
        f"sentence-transformers (PyTorch): {rt['sentence_transformers_per_s']:.1f} chunks/s on "
        f"{rt['sample']} chunks",
    ]
    for backend in ("onnx-int8", "onnx-fp32"):
        b = rt[backend]
        lines.append(f"  {backend}: {b['per_s']:.1f} chunks/s = {b['speedup']:.2f}x PyTorch, "
                     f"cosine mean {b['mean_cosine']:.4f} min {b['min_cosine']:.4f}")
    s = r["single_filing"]
    lines.append(f"{s['file']} ({s['pages']} pages, {s['chunks']} chunks): ready "
                 f"{s['seconds_to_ready']:.2f} s after upload; its chunks through the embedder "
                 f"alone take {s['embedder_alone_s']:.2f} s")
    if "llamaindex" in r:
        li = r["llamaindex"]
        lines.append(f"LlamaIndex: {li['pages_per_s']:.1f} pages/s, {li['chunks_per_s']:.1f} "
                     f"chunks/s ({li['chunks']} chunks) -> AgentFlow is "
                     f"{r['vs_llamaindex_pages']:.2f}x faster in pages/s")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
