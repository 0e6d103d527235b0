"""``agentflow eval beir`` and ``eval citations`` on small real inputs, through ``main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentflow.cli.main import main
from tests.conftest import MODEL_CACHE, shared


@pytest.fixture(autouse=True)
def _cli_process_state(monkeypatch: pytest.MonkeyPatch, cli_process_state: None) -> None:
    monkeypatch.setenv("AGENTFLOW_EMBEDDING__CACHE_DIR", str(MODEL_CACHE))


def _beir(folder: Path) -> Path:
    """A 40-document slice of SciFact with 6 judged test queries."""
    source = shared("scifact")
    qrels = [line.split("\t") for line in (source / "qrels" / "test.tsv").read_text().splitlines()[1:7]]
    wanted = {doc for _, doc, _ in qrels}
    corpus = [line for line in (source / "corpus.jsonl").read_text().splitlines()
              if json.loads(line)["_id"] in wanted]
    corpus += (source / "corpus.jsonl").read_text().splitlines()[:40 - len(corpus)]
    queries = [line for line in (source / "queries.jsonl").read_text().splitlines()
               if json.loads(line)["_id"] in {q for q, _, _ in qrels}]
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("\n".join(corpus) + "\n")
    (folder / "queries.jsonl").write_text("\n".join(queries) + "\n")
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "\n".join("\t".join(r) for r in qrels) + "\n")
    return folder


def test_eval_beir_reports_every_mode_and_writes_trec_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _beir(tmp_path / "beir")
    run = tmp_path / "run.txt"
    assert main(["eval", "beir", str(folder), "--json", "--run-out", str(run)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["documents_ready"] == report["corpus"] >= 40 - 6
    assert set(report["modes"]) == {"dense", "bm25", "hybrid", "hybrid-rerank"}
    for scores in report["modes"].values():
        assert 0.5 < scores["ndcg@10"] <= 1 and 0 < scores["mrr@10"] <= 1
        assert scores["recall@100"] >= scores["recall@10"] > 0
    assert report["modes"]["dense"]["recall@100"] == 1.0  # all 40 documents are ranked
    lines = (tmp_path / "run.hybrid.txt").read_text().splitlines()
    _, q0, _, rank, score, tag = lines[0].split()
    assert (q0, rank, tag) == ("Q0", "1", "agentflow-hybrid") and float(score) > 0
    assert len({line.split()[0] for line in lines}) == report["queries"]


def test_eval_beir_refuses_a_folder_that_is_not_beir(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "beir", str(tmp_path)]) == 2
    assert "corpus.jsonl is missing" in capsys.readouterr().err


def test_eval_citations_checks_quotes_against_their_pages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    source = shared("pdfs", "real", "sec10q", "2022 Q3 AAPL.pdf")
    (pdfs / "AAPL_2022Q3_10Q.pdf").write_bytes(source.read_bytes())
    qa = tmp_path / "qa.jsonl"
    # Pages where the statement of operations and the notes give these figures.
    rows = [("What were Apple's total net sales for the third quarter of 2022?", [4, 10, 17]),
            ("What was Apple's research and development expense?", [4, 16, 21])]
    qa.write_text("".join(json.dumps({"question": q, "evidence": [
        {"doc_name": "AAPL_2022Q3_10Q", "page_number_1based": page} for page in pages]}) + "\n"
        for q, pages in rows))
    assert main(["eval", "citations", str(qa), "--pdfs", str(pdfs), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 2 and report["citations"] >= 2
    assert report["quotes_on_cited_page"] == 1.0
    assert report["evidence_page_recall@10"] >= report["evidence_page_recall@5"] > 0
