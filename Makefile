# One-command set-up: every target creates the virtual environment and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.agentflow-installed
# torch is installed first and pinned, so nothing can pull a CUDA build; pass e.g.
# TORCH_PIP_ARGS="--index-url <your CPU wheel index>" where PyPI's default build is CUDA.
TORCH_PIP_ARGS ?=

.PHONY: install run test lint typecheck layers unit bench-install bench-ingest bench-quality bench-retrieval bench-citations bench-library bench-queries bench-llm bench-ray bench-telemetry bench-history bench-ocr bench-load kind-up kind-load openapi clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_PIP_ARGS) torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,distributed]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/agentflow serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src services agents ray_tasks tests bench

typecheck: install
	$(BIN)/mypy

# The layers of ARCHITECTURE.md ([tool.importlinter] in pyproject.toml).
layers: install
	$(BIN)/lint-imports

test: install lint typecheck layers
	$(BIN)/python -m pytest

unit: install
	$(BIN)/python -m pytest tests/unit

bench-install: install
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,distributed,bench]'

bench-ingest: bench-install
	$(BIN)/python -m bench.ingest

bench-quality: bench-install
	$(BIN)/python -m bench.embedding_quality

# SciFact through the real ingestion path; the index is kept in .cache/scifact for re-runs.
bench-retrieval: install
	$(BIN)/agentflow eval beir ../shared/data/scifact --mode all --data-dir .cache/scifact \
		--run-out bench/results/scifact.run --json | tee bench/results/scifact.json

bench-citations: install
	@mkdir -p bench/results
	$(BIN)/agentflow eval citations ../shared/data/financebench-dev/qa.jsonl \
		--pdfs ../shared/data/financebench-dev/pdfs --data-dir .cache/financebench --json \
		| tee bench/results/financebench.json

# FinanceBench dev with the real PDFs and 1,000 one-page SciFact PDFs (.cache/library-scifact)
# in the tenant; bench/results/library.json. `python -m bench.library --baseline`: without SciFact.
bench-library: install
	$(BIN)/python -m bench.library

bench-queries: bench-install
	$(BIN)/python -m bench.queries

# Ray's overhead on ingestion: the same filings on the process pool and on Ray, interleaved.
bench-ray: bench-install
	$(BIN)/python -m bench.ray_ingest --rounds 2

# Bytes each workflow instance writes to its history (what Dapr keeps in its state store).
bench-history: install
	$(BIN)/python -m bench.workflow_history

# Scanned pages: OCR quality against the real text layer, speed beside text pages, robustness.
bench-ocr: install
	$(BIN)/python -m bench.ocr

bench-telemetry: install
	$(BIN)/python -m bench.telemetry --rounds 5 --per-round 20

# AgentFlow's own overhead on a scripted model's stream (TTFT and per token).
bench-llm: bench-install
	$(BIN)/python -m bench.llm_overhead

bench-load: install
	$(BIN)/python -m bench.load

# Kubernetes on kind (needs docker, kind, kubectl, helm; not used by CI).
kind-up:
	k8s/install.sh

kind-load:
	k8s/load.sh

openapi: install
	$(BIN)/agentflow openapi --out .specify/openapi.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
