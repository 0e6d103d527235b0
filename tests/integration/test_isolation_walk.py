"""The multi-tenant isolation walk: every route of the API (found from the app itself, so a new
route is walked too) and every MCP tool, called as tenant B with tenant A's ids. Nothing of A's
may come back: ids answer 404 (or 403/405/422), listings and searches come back without them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from agentflow.auth.admin import IdentityAdmin
from agentflow.cli.admin import OPERATOR
from agentflow.domain.identity import Role
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import AuthSettings
from tests.conftest import make_settings
from tests.integration.helpers import parse_sse, wait_terminal
from tests.live import serving


@pytest.fixture
async def walk(tmp_path: Path, embedder: Embedder,
               tiny_pdf: Path) -> AsyncIterator[dict[str, Any]]:
    settings = make_settings(tmp_path)
    settings.auth = AuthSettings(enabled=True, requests_per_minute=0)
    container = build_container(settings, embedder=embedder)
    admin = IdentityAdmin(container.identities, container.audit)
    for tenant in ("acme", "beta"):
        await admin.create_tenant(tenant, by=OPERATOR)
    a_key, a_record = await admin.create_key("acme", Role.ADMIN, by=OPERATOR)
    b_key, _ = await admin.create_key("beta", Role.ADMIN, by=OPERATOR)
    app = create_app(container=container)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        a = {"Authorization": f"Bearer {a_key}"}
        document = (await upload_as(client, tiny_pdf, a))["documents"][0]
        assert (await wait_terminal_as(client, document["id"], a))["status"] == "ready"
        events = parse_sse((await client.post("/v1/queries", headers=a, json={
            "question": "What does the text say about information?", "stream": True})).text)
        done = (await client.get(f"/v1/queries/{events[-1]['data']['query_id']}",
                                 headers=a)).json()
        yield {"url": url, "client": client, "app": app, "a": a,
               "b": {"Authorization": f"Bearer {b_key}"},
               "ids": {"document_id": document["id"], "query_id": done["query_id"],
                       "conversation_id": done["conversation_id"], "key_id": a_record.id,
                       "number": "1", "topic": "query.completed", "tenant_id": "acme"}}


async def upload_as(client: httpx.AsyncClient, pdf: Path, headers: dict[str, str]) -> Any:
    files = [("file", (pdf.name, pdf.read_bytes(), "application/pdf"))]
    return (await client.post("/v1/documents", files=files, headers=headers)).json()


async def wait_terminal_as(client: httpx.AsyncClient, document_id: str,
                           headers: dict[str, str]) -> dict[str, Any]:
    scoped = httpx.AsyncClient(base_url=str(client.base_url), headers=headers, timeout=60)
    async with scoped:
        return await wait_terminal(scoped, document_id)


BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/queries"): "query",
    ("POST", "/v1/admin/api-keys"): {"tenant_id": "acme", "role": "admin"},
    ("POST", "/v1/admin/tenants"): {"name": "acme"},
}


async def test_tenant_b_sees_nothing_of_tenant_a_on_any_route(walk: dict[str, Any]) -> None:
    client, b, ids = walk["client"], walk["b"], walk["ids"]
    secrets = set(ids.values()) - {"1", "query.completed", "acme"}
    walked = 0
    # Every documented route (the OpenAPI document lists them all, routers included).
    for template, operations in walk["app"].openapi()["paths"].items():
        for method in (m.upper() for m in operations):
            path = template.format(**ids)
            body = BODIES.get((method, template))
            if body == "query":
                for extra in ({"conversation_id": ids["conversation_id"]},
                              {"filters": {"document_ids": [ids["document_id"]]}}):
                    response = await client.post(path, headers=b, json={
                        "question": "information", "stream": False, **extra})
                    assert response.status_code == 404, (path, extra, response.text)
                walked += 1
                continue
            if template == "/v1/documents" and method == "POST":
                continue  # uploads create B's own documents: covered by the listings below
            response = await client.request(method, path, headers=b,
                                            json=body if body is not None else None)
            walked += 1
            text = response.text
            if "{" in template:
                assert response.status_code in (403, 404, 405, 422), (method, path, text)
            # A 404 may echo the id it was asked for; nothing else of A's may appear.
            leaked = [s for s in secrets if s in text and s not in path]
            assert not leaked, (method, path, leaked, text[:300])
    assert walked >= 15
    # A's data is untouched by B's attempts.
    a = walk["a"]
    assert (await client.get(f"/v1/documents/{ids['document_id']}", headers=a)
            ).json()["status"] == "ready"


async def test_tenant_b_sees_nothing_of_tenant_a_through_mcp(walk: dict[str, Any]) -> None:
    ids = walk["ids"]
    async with create_mcp_http_client(headers={**walk["b"], "X-Tenant-ID": "acme"}) as http, \
            Client(streamable_http_client(f"{walk['url']}/mcp", http_client=http)) as client:
        results = [await client.call_tool(tool, args) for tool, args in (
            ("hybrid_search", {"query": "information"}),
            ("vector_search", {"query": "information"}),
            ("keyword_search", {"query": "information"}),
            ("list_documents", {}),
            ("hybrid_search", {"query": "information", "document_ids": [ids["document_id"]]}),
        )]
        with pytest.raises(Exception, match="does not exist"):
            await client.read_resource(f"agentflow://documents/{ids['document_id']}/pages/1")
    for result in results:
        content = json.dumps(result.structured_content)
        assert ids["document_id"] not in content
        assert (result.structured_content or {}).get("passages", []) == []
        assert (result.structured_content or {}).get("documents", []) == []
