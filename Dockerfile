# syntax=docker/dockerfile:1.7
# One image for every AgentFlow service; the entry point takes the service name:
#   docker run agentflow gateway | orchestrator | retrieval | synthesis | citation |
#                        ingestion | mcp | monitor | ray <ray start args...>
# Targets: `runtime` (CPU, the default) and `gpu` (PyTorch with CUDA for Ray embedding workers;
# the CUDA runtime ships inside the wheels, the node needs only the NVIDIA driver).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---- build: compilers and pip live here only ---------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# torch first and pinned, from the CPU (or CUDA) index, so nothing else can pull another build.
RUN pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY src src
COPY services services
COPY agents agents
COPY ray_tasks ray_tasks
RUN pip install -c constraints.txt ".[distributed]"
# The embedding model is exported to ONNX (int8) once, here, so no container does it at start.
RUN AGENTFLOW_EMBEDDING__CACHE_DIR=/opt/models python -c \
    "from agentflow.runtime.container import build_embedder; from agentflow.settings import Settings; build_embedder(Settings())"

# ---- runtime: the venv, the model, a non-root user; no compiler, no pip cache -------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="agentflow" \
      org.opencontainers.image.description="Multi-agent RAG: PDFs in, cited answers out" \
      org.opencontainers.image.licenses="Apache-2.0"
# Tesseract (English) reads scanned pages in the extraction workers (AGENTFLOW_INGEST__OCR).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 agentflow \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /data agentflow \
    && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/agentflow-entrypoint
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    AGENTFLOW_DATA_DIR=/data \
    AGENTFLOW_EMBEDDING__CACHE_DIR=/opt/models \
    AGENTFLOW_HOST=0.0.0.0 \
    AGENTFLOW_PORT=8000 \
    RAY_USAGE_STATS_ENABLED=0
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('AGENTFLOW_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["agentflow-entrypoint"]
CMD ["gateway"]

# ---- gpu: the same runtime with CUDA PyTorch (Ray GPU embedding workers) -----------------
FROM build AS build-gpu
RUN pip install --index-url https://download.pytorch.org/whl/cu128 --force-reinstall --no-deps \
    torch==2.13.0

FROM runtime AS gpu
COPY --from=build-gpu /opt/venv /opt/venv
ENV AGENTFLOW_RAY__EMBED_DEVICE=cuda
