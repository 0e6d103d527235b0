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


def _citations_qa(path: Path) -> Path:
    """Two questions on Apple's 2022 Q3 10-Q (stored as ``AAPL_2022Q3_10Q``) with the pages
    where the statement of operations and the notes give their figures."""
    rows = [("What were Apple's total net sales for the third quarter of 2022?", [4, 10, 17],
             "$82,959 million"),
            ("What was Apple's research and development expense?", [4, 16, 21],
             "$6,797 million in the third quarter of 2022")]
    path.write_text("".join(json.dumps({"question": q, "answer": gold, "evidence": [
        {"doc_name": "AAPL_2022Q3_10Q", "page_number_1based": page} for page in pages]}) + "\n"
        for q, pages, gold in rows))
    return path


def test_eval_citations_with_a_library_of_distractors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], tiny_pdf: Path) -> None:
    pdfs, library = tmp_path / "pdfs", tmp_path / "library"
    (library / "nested" / "deeper").mkdir(parents=True)
    pdfs.mkdir()
    (pdfs / "AAPL_2022Q3_10Q.pdf").write_bytes(
        shared("pdfs", "real", "sec10q", "2022 Q3 AAPL.pdf").read_bytes())
    (library / "nested" / "deeper" / "paper.pdf").write_bytes(tiny_pdf.read_bytes())
    # Accepted at upload but unreadable, so its ingestion fails; and one refused at upload.
    (library / "invalid.pdf").write_bytes(
        shared("pdfs", "robustness", "ocrmypdf", "invalid.pdf").read_bytes())
    (library / "notes.pdf").write_text("plain text, not a PDF\n")
    qa = _citations_qa(tmp_path / "qa.jsonl")
    assert main(["eval", "citations", str(qa), "--pdfs", str(pdfs), "--library", str(library),
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    summary = report["summary"]
    assert (summary["documents_ready"], summary["documents_failed"]) == (2, 2)
    assert summary["questions"] == 2 and summary["citations"] >= 2
    assert summary["quotes_on_cited_page"] == 1.0
    assert summary["evidence_page_recall@10"] >= summary["evidence_page_recall@5"] > 0
    assert summary["evidence_document_top10"] >= summary["evidence_document_first"] > 0
    assert summary["numeric_questions"] == 2 and 0 <= summary["gold_figure_in_answer"] <= 1
    assert summary["median_answer_chars"] > 0 and summary["median_answer_numbers"] >= 0
    assert summary["ingest_seconds"] > 0 and summary["ms_per_question"] > 0
    assert 0 <= summary["cited_page_hit_rate"] <= 1
    records = report["questions"]
    assert [r["gold_figure"] for r in records] == ["$82,959 million", "$6,797 million"]
    names = {"AAPL_2022Q3_10Q", "library/nested/deeper/paper.pdf"}
    for record in records:
        assert record["evidence"][0] == ["AAPL_2022Q3_10Q", 4] and record["answer"]
        assert 0 < len(record["retrieved"]) <= 10 and record["cited"]
        assert {doc for doc, _ in record["retrieved"] + record["cited"]} <= names
        assert record["first_document"] == record["retrieved"][0][0]
        assert isinstance(record["figure_found"], bool)
        assert record["document_first"] == (record["first_document"] == "AAPL_2022Q3_10Q")
        assert record["page_at_10"] >= record["page_at_5"]


def test_eval_citations_prints_the_summary(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], tiny_pdf: Path) -> None:
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    (pdfs / "paper.pdf").write_bytes(tiny_pdf.read_bytes())
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"question": "What is this document about?", "answer": "Nothing",
                              "evidence": [{"doc_name": "paper", "page_number_1based": 1}]}))
    assert main(["eval", "citations", str(qa), "--pdfs", str(pdfs)]) == 0
    lines = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines())
    assert lines["questions"] == "1" and lines["documents_ready"] == "1"
    assert lines["gold_figure_in_answer"] == "None" and lines["numeric_questions"] == "0"
    assert float(lines["evidence_document_first"]) == 1.0
    assert "questions" in lines and "retrieved" not in lines


def test_eval_citations_refuses_a_library_that_is_not_a_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    qa = _citations_qa(tmp_path / "qa.jsonl")
    assert main(["eval", "citations", str(qa), "--pdfs", str(tmp_path),
                 "--library", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err
