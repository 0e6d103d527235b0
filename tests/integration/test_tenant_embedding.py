"""Embedding models per tenant, through the HTTP API, with a scripted OpenAI-compatible
embeddings server on loopback (real vectors, in another space of another dimension): an admin
moves a tenant to it, the tenant's documents are embedded again in the background while its
questions keep using the old vectors, then everything reads the new generation; the endpoint's
failures leave the tenant on its old model with the reason; a restart resumes a move."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr

from agentflow.domain.errors import StoreUnavailable
from agentflow.domain.identity import Tenant
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import Container, build_container
from agentflow.settings import AuthSettings, Settings
from tests.conftest import make_settings
from tests.fakes.embeddings_server import EmbeddingsServer
from tests.integration.helpers import parse_sse, wait_terminal
from tests.live import serving

SECRET = "an-hs256-secret-for-embedding-tests-0123456789"
QUESTION = "What were Apple's total net sales for the quarter?"


def bearer(tenant: str, role: str = "admin") -> dict[str, str]:
    now = int(time.time())
    token = jwt.encode({"sub": f"{tenant}-{role}", "tenant_id": tenant, "role": role,
                        "iat": now, "exp": now + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def auth_settings(data: Path) -> Settings:
    settings = make_settings(data)
    settings.auth = AuthSettings(enabled=True, jwt_secret=SecretStr(SECRET),
                                 requests_per_minute=0)
    settings.embedding.internal_endpoints = ["127.0.0.1"]  # the scripted endpoint's address
    return settings


class Stack:
    def __init__(self, container: Container, client: httpx.AsyncClient,
                 server: EmbeddingsServer, base_url: str) -> None:
        self.container, self.client, self.server, self.base_url = container, client, server, base_url

    def spec(self, **changes: Any) -> dict[str, Any]:
        return {"provider": "openai", "model": "scripted-embed", "dimension": 512,
                "base_url": self.base_url, "api_key": "sk-test-embeddings", **changes}

    async def upload(self, tenant: str, pdf: Path) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/documents", headers=bearer(tenant, "user"),
            files=[("file", (pdf.name, pdf.read_bytes(), "application/pdf"))])
        assert response.status_code == 202, response.text
        document_id = response.json()["documents"][0]["id"]
        self.client.headers.update(bearer(tenant, "user"))
        try:
            done = await wait_terminal(self.client, document_id)
        finally:
            self.client.headers.pop("Authorization")
        assert done["status"] == "ready", done
        return done

    async def ask(self, tenant: str, question: str = QUESTION) -> dict[str, Any]:
        response = await self.client.post("/v1/queries", headers=bearer(tenant, "user"),
                                          json={"question": question, "stream": True})
        (done,) = [e["data"] for e in parse_sse(response.text) if e["event"] == "done"]
        return dict(done)

    async def embedding(self, tenant: str) -> dict[str, Any]:
        response = await self.client.get(f"/v1/admin/tenants/{tenant}/embedding",
                                         headers=bearer(tenant))
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def settled(self, tenant: str, timeout_s: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while (state := await self.embedding(tenant))["status"] == "running":
            assert time.monotonic() < deadline, state
            await asyncio.sleep(0.1)
        return state


@asynccontextmanager
async def running(data: Path, embedder: Embedder, server: EmbeddingsServer,
                  base_url: str) -> AsyncIterator[Stack]:
    container = build_container(auth_settings(data), embedder=embedder)
    app = create_app(container=container)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=120) as client:
        for tenant in ("default", "acme", "beta"):
            if await container.identities.get_tenant(tenant) is None:
                await container.identities.create_tenant(
                    Tenant(id=tenant, created_at=datetime.now(UTC)))
        yield Stack(container, client, server, base_url)


@pytest.fixture
async def endpoint(embedder: Embedder) -> AsyncIterator[tuple[EmbeddingsServer, str]]:
    server = EmbeddingsServer(embedder)
    async with serving(server.app()) as base:
        yield server, f"{base}/v1"


@pytest.fixture
async def stack(tmp_path: Path, embedder: Embedder,
                endpoint: tuple[EmbeddingsServer, str]) -> AsyncIterator[Stack]:
    async with running(tmp_path / "data", embedder, *endpoint) as built:
        yield built


def cited_pages(done: dict[str, Any]) -> set[int]:
    return {citation["page"] for citation in done["citations"]}


async def test_a_tenant_moves_to_its_own_model_while_answering_from_the_old_one(
        stack: Stack, small_pdf: Path, tiny_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    apple = await stack.upload("acme", small_pdf)
    await stack.upload("beta", small_pdf)
    before = await stack.ask("acme")
    assert before["citations"] and before["confidence"] > 0
    assert (await stack.embedding("acme"))["active"]["provider"] == "builtin"

    stack.server.delay_s = 0.3  # slow enough to watch the move and ask meanwhile
    response = await stack.client.put("/v1/admin/tenants/acme/embedding",
                                      headers=bearer("acme"), json=stack.spec())
    assert response.status_code == 202, response.text
    moving = response.json()
    assert moving["status"] == "running" and moving["total"] == 1
    assert moving["target"]["model"] == "scripted-embed"
    assert moving["target"]["api_key"] == "**********"  # accepted, never shown
    assert moving["active"]["provider"] == "builtin" and moving["target_generation"] == 1
    calls = len(stack.server.calls)
    during = await stack.ask("acme")  # the old vectors answer meanwhile
    assert during["answer"] == before["answer"]
    assert len(stack.server.calls) - calls <= 1  # no query went to the new model

    state = await stack.settled("acme")
    assert state["status"] == "idle" and state["error"] is None
    assert state["active"]["model"] == "scripted-embed" and state["generation"] == 1
    assert state["target"] is None and (state["done"], state["total"]) == (1, 1)
    models = stack.container.tenant_models
    active = await models.active("acme")
    assert active.index is not stack.container.index  # its own collection, 512 dimensions
    assert await active.index.count("acme", apple["id"]) == apple["chunks"]
    assert await stack.container.index.count("acme") == 0  # the old vectors are gone
    assert await stack.container.index.count("beta") > 0  # another tenant is untouched

    calls = len(stack.server.calls)
    after = await stack.ask("acme")  # now through the new model
    assert len(stack.server.calls) == calls + 1
    assert after["citations"] and cited_pages(after) & cited_pages(before)
    beta_calls = len(stack.server.calls)
    assert (await stack.ask("beta"))["citations"]
    assert len(stack.server.calls) == beta_calls  # beta stays on the shipped model

    # A new document is embedded by the tenant's model; deleting it clears that generation.
    stack.server.delay_s = 0.0
    paper = await stack.upload("acme", tiny_pdf)
    assert await active.index.count("acme", paper["id"]) == paper["chunks"]
    deleted = await stack.client.delete(f"/v1/documents/{paper['id']}",
                                        headers=bearer("acme", "user"))
    assert deleted.status_code == 204
    assert await active.index.count("acme", paper["id"]) == 0

    # Back to the shipped model: a new generation of 384 dimensions, filled the same way.
    # Removing the generation left is a step of its own: its first failure is retried.
    failed: list[int] = []
    drop = models.drop

    async def drop_failing_once(tenant_id: str, generation: int, dimension: int) -> None:
        if not failed:
            failed.append(generation)
            raise StoreUnavailable("the index store is down", store="qdrant")
        await drop(tenant_id, generation, dimension)

    monkeypatch.setattr(models, "drop", drop_failing_once)
    back = await stack.client.put("/v1/admin/tenants/acme/embedding", headers=bearer("acme"),
                                  json={"provider": "builtin"})
    assert back.status_code == 202
    state = await stack.settled("acme")
    assert state["active"]["provider"] == "builtin" and state["generation"] == 2
    await gone(stack.container.settings.data_dir / "qdrant-tenant-acme-g1")
    assert failed == [1]
    assert (await stack.ask("acme"))["answer"] == before["answer"]


async def gone(path: Path, timeout_s: float = 30) -> None:
    """The generation left behind is deleted just after the switch."""
    deadline = time.monotonic() + timeout_s
    while path.exists():
        assert time.monotonic() < deadline, f"{path} is still there"
        await asyncio.sleep(0.05)


async def test_bad_models_and_endpoint_failures_leave_the_tenant_on_its_model(
        stack: Stack, small_pdf: Path) -> None:
    await stack.upload("acme", small_pdf)
    before = await stack.ask("acme")
    put = stack.client.put
    url = "/v1/admin/tenants/acme/embedding"
    for body in ({"provider": "openai", "model": "m", "dimension": 8},  # no base_url
                 {"provider": "builtin", "dimension": 768},
                 stack.spec(dimension=0), stack.spec(base_url="ftp://x")):
        refused = await put(url, headers=bearer("acme"), json=body)
        assert refused.status_code == 422 and refused.json()["code"] == "validation_error"
    # Internal addresses the operator did not allow are never called (the cloud's metadata
    # service, a private network, loopback in another form).
    for internal in ("http://169.254.169.254/v1", "http://10.1.2.3:8080/v1",
                     "http://[::1]:9/v1", "http://0.0.0.0:9/v1"):
        calls = len(stack.server.calls)
        refused = await put(url, headers=bearer("acme"), json=stack.spec(base_url=internal))
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "embedding_model_unusable"
        assert "internal address" in refused.json()["detail"]
        assert len(stack.server.calls) == calls
    wrong_key = await put(url, headers=bearer("acme"), json=stack.spec(api_key="sk-wrong"))
    assert wrong_key.status_code == 400
    assert wrong_key.json()["code"] == "embedding_model_unusable"
    assert "401" in wrong_key.json()["detail"] and "sk-wrong" not in wrong_key.text
    wrong_size = await put(url, headers=bearer("acme"), json=stack.spec(dimension=768))
    assert wrong_size.status_code == 400 and "768" in wrong_size.json()["detail"]
    assert (await stack.embedding("acme"))["status"] == "idle"
    # Only the tenant's own admins (or platform admins) may change it.
    assert (await put(url, headers=bearer("beta"), json=stack.spec())).status_code == 403
    assert (await put(url, headers=bearer("acme", "user"),
                      json=stack.spec())).status_code == 403
    assert (await stack.client.get("/v1/admin/tenants/acme/embedding",
                                   headers=bearer("default"))).status_code == 200

    # The endpoint answers the check, then fails every request: the move stops with the reason.
    stack.server.fail_after = len(stack.server.calls) + 1
    started = await put(url, headers=bearer("acme"), json=stack.spec())
    assert started.status_code == 202
    second = await put(url, headers=bearer("acme"), json=stack.spec(model="another"))
    assert second.status_code == 409 and second.json()["code"] == "conflict"
    state = await stack.settled("acme", timeout_s=180)
    assert state["status"] == "failed" and "500" in state["error"]
    assert state["active"]["provider"] == "builtin" and state["target"] is None
    await gone(stack.container.settings.data_dir / "qdrant-tenant-acme-g1")
    assert (await stack.ask("acme"))["answer"] == before["answer"]  # still answering
    audit = (await stack.client.get("/v1/admin/audit", headers=bearer("acme"))).json()
    outcomes = [e["outcome"] for e in audit if e["action"] == "admin.embedding_model"]
    assert "embedding_model_unusable" in outcomes and "ok" in outcomes

    # The endpoint is back: asking again moves the tenant.
    stack.server.fail_after = None
    again = await put(url, headers=bearer("acme"), json=stack.spec())
    assert again.status_code == 202 and again.json()["target_generation"] == 2
    state = await stack.settled("acme")
    assert state["status"] == "idle" and state["generation"] == 2
    # Asking for the active model again changes nothing but the key.
    same = await put(url, headers=bearer("acme"), json=stack.spec(api_key="sk-test-embeddings"))
    assert same.status_code == 200 and same.json()["generation"] == 2


async def test_a_restart_resumes_an_unfinished_move(
        tmp_path: Path, embedder: Embedder, endpoint: tuple[EmbeddingsServer, str],
        small_pdf: Path) -> None:
    server, base_url = endpoint
    data = tmp_path / "data"
    async with running(data, embedder, server, base_url) as first:
        await first.upload("acme", small_pdf)
        server.delay_s = 2.0  # the move is still embedding when the process stops
        started = await first.client.put("/v1/admin/tenants/acme/embedding",
                                         headers=bearer("acme"), json=first.spec())
        assert started.status_code == 202
        await asyncio.sleep(0.5)
        assert (await first.embedding("acme"))["status"] == "running"
    server.delay_s = 0.0
    async with running(data, embedder, server, base_url) as second:
        state = await second.settled("acme")
        assert state["status"] == "idle" and state["generation"] == 1
        assert (await second.ask("acme"))["citations"]


async def test_documents_added_and_deleted_during_a_move_end_up_right(
        stack: Stack, small_pdf: Path, tiny_pdf: Path, sec10q_dir: Path) -> None:
    await stack.upload("acme", small_pdf)
    leaving = await stack.upload("acme", tiny_pdf)
    arriving_pdf = min((p for p in sec10q_dir.glob("*.pdf") if p != small_pdf),
                       key=lambda p: p.stat().st_size)
    stack.server.delay_s = 0.5  # the move takes seconds: ingestion and a delete run inside it
    started = await stack.client.put("/v1/admin/tenants/acme/embedding",
                                     headers=bearer("acme"), json=stack.spec())
    assert started.status_code == 202
    removed = await stack.client.delete(f"/v1/documents/{leaving['id']}",
                                        headers=bearer("acme", "user"))
    assert removed.status_code == 204
    arriving = await stack.upload("acme", arriving_pdf)
    state = await stack.settled("acme")
    assert state["status"] == "idle" and state["generation"] == 1
    # Whichever way each got there (written to both generations, the move's last pass, or its
    # own commit), the new generation holds exactly the documents that are there.
    active = await stack.container.tenant_models.active("acme")
    assert active.generation == 1
    assert await active.index.count("acme", arriving["id"]) == arriving["chunks"]
    assert await active.index.count("acme", leaving["id"]) == 0
    documents = (await stack.client.get("/v1/documents", headers=bearer("acme", "user"))).json()
    assert sum(d["chunks"] for d in documents["documents"]) == await active.index.count("acme")


async def test_a_move_that_cannot_start_is_marked_failed(
        stack: Stack, small_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await stack.upload("acme", small_pdf)
    changes = stack.container.model_changes

    async def engine_down(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable("the workflow engine is down", store="workflows")

    monkeypatch.setattr(changes.engine, "schedule_new_workflow", engine_down)
    response = await stack.client.put("/v1/admin/tenants/acme/embedding",
                                      headers=bearer("acme"), json=stack.spec())
    assert response.status_code == 503 and response.json()["code"] == "store_unavailable"
    state = await stack.embedding("acme")
    assert state["status"] == "failed" and state["error"] == "the move could not be started"
    assert state["active"]["provider"] == "builtin" and state["target"] is None
    monkeypatch.undo()
    again = await stack.client.put("/v1/admin/tenants/acme/embedding",
                                   headers=bearer("acme"), json=stack.spec())
    assert again.status_code == 202  # nothing was left half-way: a second try moves it
    assert (await stack.settled("acme"))["generation"] == again.json()["target_generation"]
