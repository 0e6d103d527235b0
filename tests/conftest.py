"""Shared fixtures: real data from ../shared, one exported embedding model per test run."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import Container, build_container
from agentflow.runtime.embedding import build_embedder
from agentflow.settings import EmbeddingSettings, IngestSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
MODEL_CACHE = Path(os.environ.get("AGENTFLOW_TEST_MODEL_CACHE", ROOT / ".cache" / "models"))


def shared(*parts: str) -> Path:
    """A path under ../shared/data. A clone without that folder skips the test; CI (``CI``
    set, as ``.ci/run`` does) ships it, so there a missing path fails instead of passing
    green without the test having run."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{path} is absent: CI must run with ../shared/data beside the clone")
        pytest.skip(f"{path} is absent (../shared/data ships with CI, not with a clone)")
    return path


def _loopback(address: object) -> bool:
    if isinstance(address, str | bytes):  # a Unix socket path
        return True
    host = str(address[0]) if isinstance(address, tuple) and address else ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection to a non-loopback address (no test may reach
    the network: models are scripted on loopback, everything else runs in-process)."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(original: object) -> object:
        def check(self: socket.socket, address: object) -> object:
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
                raise AssertionError(f"test tried to connect to non-loopback {address!r}")
            return original(self, address)  # type: ignore[operator]
        return check

    monkeypatch.setattr(socket.socket, "connect", guarded(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(connect_ex))


@pytest.fixture(scope="session")
def real_dir() -> Path:
    return shared("pdfs", "real")


@pytest.fixture(scope="session")
def sec10q_dir() -> Path:
    return shared("pdfs", "real", "sec10q")


@pytest.fixture(scope="session")
def robustness_dir() -> Path:
    return shared("pdfs", "robustness")


@pytest.fixture(scope="session")
def small_pdf(sec10q_dir: Path) -> Path:
    return sec10q_dir / "2022 Q3 AAPL.pdf"


@pytest.fixture(scope="session")
def tiny_pdf(robustness_dir: Path) -> Path:
    """A real 4-page LaTeX PDF: quick to ingest."""
    return robustness_dir / "pypdf_sample_files" / "004-pdflatex-4-pages__pdflatex-4-pages.pdf"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default (ONNX int8) embedder, exported once per machine into .cache/models."""
    return build_embedder(Settings(embedding=EmbeddingSettings(cache_dir=MODEL_CACHE)))


def make_settings(data_dir: Path, **ingest: object) -> Settings:
    return Settings(data_dir=data_dir, log_json=False,
                    embedding=EmbeddingSettings(cache_dir=MODEL_CACHE),
                    ingest=IngestSettings(**ingest))  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
async def container(settings: Settings, embedder: Embedder) -> AsyncIterator[Container]:
    built = build_container(settings, embedder=embedder)
    await built.start()
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the real app (lifespan run) over ASGI, sharing ``container``."""
    from agentflow.gateway.app import create_app

    app = create_app(container=_Borrowed(container))  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     timeout=60) as http:
            yield http


class _Borrowed:
    """The fixture's container, lent to the app: the app must not start or close it."""

    def __init__(self, inner: Container) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


@pytest.fixture(scope="session")
def free_port() -> Iterator[int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


REDIS_URL = os.environ.get("AGENTFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@asynccontextmanager
async def redis_scope() -> AsyncIterator[tuple[Any, str]]:
    """A client of the real Redis (``.ci/run`` starts one) and a key prefix of this test's own,
    deleted afterwards."""
    import uuid

    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except OSError as exc:  # redis' ConnectionError is an OSError
        pytest.fail(f"no Redis at {REDIS_URL} ({exc}); start one: redis-server --daemonize yes")
    prefix = f"agentflow-test:{uuid.uuid4().hex}:"
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture(scope="session")
def ray_session() -> Iterator[None]:
    """One local Ray session for the whole run (``ray.init`` takes seconds and ~850 MiB)."""
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=150 * 1024 * 1024,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    yield
    ray.shutdown()


@pytest.fixture
def cli_process_state() -> Iterator[None]:
    """``agentflow`` commands configure logging for their process (onto pytest's captured
    streams here): put the global logging set-up back afterwards, so later tests do not log into
    a closed capture or at another level."""
    import logging

    import structlog

    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.configure(**saved)
    root.handlers = handlers
    root.setLevel(level)


def _in_memory_traces() -> Any:
    """One tracer provider for the test process, keeping finished spans in memory (installed
    before any container, which then keeps it rather than installing its own)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from agentflow.observability.tracing import new_provider

    exporter = InMemorySpanExporter()
    provider = new_provider("agentflow-tests")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


SPANS = _in_memory_traces()


@pytest.fixture(autouse=True)
def spans() -> Iterator[Any]:
    """The spans finished during this test (the exporter is emptied before each)."""
    SPANS.clear()
    yield SPANS
    SPANS.clear()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 server on loopback (SeaweedFS), one per test session."""
    from tests.s3_server import seaweed_s3

    with seaweed_s3() as url:
        yield url
