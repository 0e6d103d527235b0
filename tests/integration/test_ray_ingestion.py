"""Ingestion with extraction on Ray (one local session per test run): the same chunks as the
local process pool, and a worker lost mid-task has its task redone."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from agentflow.domain.batches import BatchStage, PoolKind
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import Container, build_container
from tests.conftest import MODEL_CACHE, make_settings
from tests.fakes.stages import CrashOnceEmbed
from tests.integration.helpers import upload, wait_terminal


def crash_once(marker: str) -> int:
    """Kills its worker the first time (as a lost node would), answers the second."""
    if not Path(marker).exists():
        Path(marker).write_text("crashed")
        os._exit(1)
    return os.getpid()


async def _ingest(container: Container, pdf: Path) -> dict[str, object]:
    app = create_app(container=container)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        document = (await upload(client, pdf)).json()["documents"][0]
        done = await wait_terminal(client, document["id"], timeout_s=180)
        done["indexed"] = await container.index.count("default", str(document["id"]))
        return done


async def test_a_task_whose_worker_dies_is_redone(ray_session: None, tmp_path: Path) -> None:
    from agentflow.ray_tasks.executor import RayBatchExecutor

    executor = RayBatchExecutor(max_retries=2)
    pid = await executor.run(crash_once, str(tmp_path / "marker"), timeout_s=120)
    assert pid != os.getpid() and (tmp_path / "marker").read_text() == "crashed"


async def test_extraction_on_ray_gives_the_same_document(
        ray_session: None, tmp_path: Path, embedder: Embedder, small_pdf: Path) -> None:
    from agentflow.ray_tasks.executor import RayBatchExecutor

    local = await _ingest(build_container(make_settings(tmp_path / "local"), embedder=embedder),
                          small_pdf)
    settings = make_settings(tmp_path / "ray")
    settings.ray_address = "local"
    container = build_container(settings, embedder=embedder)
    assert isinstance(container.executor, RayBatchExecutor)
    on_ray = await _ingest(container, small_pdf)
    assert on_ray["status"] == local["status"] == "ready"
    assert (on_ray["pages"], on_ray["chunks"], on_ray["indexed"]) == (
        local["pages"], local["chunks"], local["indexed"])


async def test_an_embedding_actor_killed_mid_batch_loses_no_chunk(
        ray_session: None, tmp_path: Path, embedder: Embedder, small_pdf: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents embed on Ray's embedding pool; its actor dies in the middle of the first batch,
    is restarted and the batch redone: every chunk is indexed, none twice."""
    from agentflow.adapters.embed.pooled import PooledEmbedder
    from agentflow.ray_tasks import embed

    marker = tmp_path / "marker"
    monkeypatch.setattr(embed, "embed_stage", lambda **_: BatchStage(
        name="embed", factory=CrashOnceEmbed, pool=PoolKind.GPU,
        batch_size=16, options=(("marker", str(marker)), ("cache_dir", str(MODEL_CACHE)))))
    local = await _ingest(build_container(make_settings(tmp_path / "local"), embedder=embedder),
                          small_pdf)
    settings = make_settings(tmp_path / "ray")
    settings.ray_address = "local"
    settings.ray.embed_on_pool = True  # as with GPUs in the pool (none here)
    container = build_container(settings, embedder=embedder)
    assert isinstance(container.embedder, PooledEmbedder)
    on_ray = await _ingest(container, small_pdf)
    assert marker.read_text() == "crashed"
    assert on_ray["status"] == "ready"
    assert on_ray["chunks"] == on_ray["indexed"] == local["chunks"]
