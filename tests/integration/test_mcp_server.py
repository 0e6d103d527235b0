"""The MCP server mounted at /mcp, driven by the official SDK's own client over real HTTP.

Structured results, every tool, the page resource, bad arguments, and tenant isolation: a
tenant's MCP calls never see another tenant's documents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from agentflow.gateway.app import create_app
from agentflow.runtime.container import Container
from tests.conftest import _Borrowed
from tests.integration.helpers import upload, wait_terminal
from tests.live import serving

TOOLS = {"hybrid_search", "vector_search", "keyword_search", "list_documents", "rerank",
         "find_documents"}


@asynccontextmanager
async def mcp_client(url: str, tenant: str | None = None) -> AsyncIterator[Client]:
    headers = {"X-Tenant-ID": tenant} if tenant else {}
    async with create_mcp_http_client(headers=headers) as http, \
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
        yield client


@pytest.fixture
async def live(container: Container, tiny_pdf: Path) -> AsyncIterator[tuple[str, str]]:
    """The app on a loopback port, with ``tiny_pdf`` ready for tenant ``acme``."""
    async with serving(create_app(container=_Borrowed(container))) as url:  # type: ignore[arg-type]
        async with httpx.AsyncClient(base_url=url, headers={"X-Tenant-ID": "acme"},
                                     timeout=60) as http:
            document = (await upload(http, tiny_pdf, metadata={"tags": ["papers"]})).json()
            document_id = document["documents"][0]["id"]
            assert (await wait_terminal(http, document_id))["status"] == "ready"
        yield url, document_id


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


async def test_tools_are_listed_with_output_schemas(live: tuple[str, str]) -> None:
    url, _ = live
    async with mcp_client(url, "acme") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) >= TOOLS
    for name in TOOLS:
        assert tools[name].output_schema is not None, name
        assert tools[name].description


@pytest.mark.parametrize("tool", ["hybrid_search", "vector_search", "keyword_search"])
async def test_search_tools_return_structured_passages(live: tuple[str, str], tool: str) -> None:
    url, document_id = live
    async with mcp_client(url, "acme") as client:
        result = structured(await client.call_tool(tool, {"query": "printed text information", "limit": 3}))
    passages = result["passages"]
    assert 1 <= len(passages) <= 3
    for passage in passages:
        assert passage["document_id"] == document_id
        assert passage["document_name"].endswith(".pdf")
        assert passage["page"] >= 1 and passage["page_end"] >= passage["page"]
        assert passage["text"] and passage["chunk_id"]
        assert isinstance(passage["score"], float)


async def test_filters_list_documents_rerank_and_the_page_resource(live: tuple[str, str]) -> None:
    url, document_id = live
    async with mcp_client(url, "acme") as client:
        listed = structured(await client.call_tool("list_documents", {"tags": ["papers"]}))
        assert [d["document_id"] for d in listed["documents"]] == [document_id]
        other_tag = structured(await client.call_tool("list_documents", {"tags": ["finance"]}))
        assert other_tag["documents"] == []
        filtered = structured(await client.call_tool(
            "hybrid_search", {"query": "information", "document_ids": ["no-such-document"]}))
        assert filtered["passages"] == []
        found = structured(await client.call_tool("hybrid_search", {"query": "information", "limit": 5}))
        reranked = structured(await client.call_tool(
            "rerank", {"query": "information", "passages": found["passages"], "limit": 2}))
        assert len(reranked["passages"]) == min(2, len(found["passages"]))
        assert {p["chunk_id"] for p in reranked["passages"]} <= {
            p["chunk_id"] for p in found["passages"]}
        page = await client.read_resource(f"agentflow://documents/{document_id}/pages/1")
        text = page.contents[0].text  # type: ignore[union-attr]
        assert text.startswith("Hello, here is some text without a meaning.")


async def test_find_documents_routes_by_profile_and_stays_in_the_tenant(
        live: tuple[str, str], container: Container) -> None:
    url, document_id = live
    async with httpx.AsyncClient(base_url=url, headers={"X-Tenant-ID": "acme"}) as http:
        edited = await http.patch(f"/v1/documents/{document_id}",
                                  json={"organisations": ["Quillfeather Press Ltd"]})
        assert edited.status_code == 200
        assert (await wait_terminal(http, document_id))["status"] == "ready"
    async with mcp_client(url, "acme") as client:
        found = structured(await client.call_tool(
            "find_documents", {"query": "What did Quillfeather Press print?"}))
        listed = structured(await client.call_tool("list_documents", {}))
    assert [d["document_id"] for d in found["documents"]] == [document_id]
    assert found["restricted"] is True and "names quillfeatherpress" in found["documents"][0][
        "reasons"]
    assert listed["documents"][0]["profile"]["organisations"] == ["Quillfeather Press Ltd"]
    async with mcp_client(url, "other") as client:
        elsewhere = structured(await client.call_tool(
            "find_documents", {"query": "What did Quillfeather Press print?"}))
    assert elsewhere["documents"] == [] and elsewhere["reason"]


async def test_bad_arguments_are_tool_errors(live: tuple[str, str]) -> None:
    url, _ = live
    async with mcp_client(url, "acme") as client:
        empty = await client.call_tool("hybrid_search", {"query": ""})
        too_many = await client.call_tool("vector_search", {"query": "x", "limit": 500})
        missing = await client.call_tool("keyword_search", {})
    for result in (empty, too_many, missing):
        assert result.is_error


async def test_tenants_are_isolated(live: tuple[str, str]) -> None:
    url, document_id = live
    async with mcp_client(url, "globex") as client:
        searched = structured(await client.call_tool("hybrid_search", {"query": "information"}))
        listed = structured(await client.call_tool("list_documents", {}))
        with pytest.raises(Exception, match="does not exist"):
            await client.read_resource(f"agentflow://documents/{document_id}/pages/1")
    assert searched["passages"] == [] and listed["documents"] == []
    async with mcp_client(url) as client:  # no header: the ``default`` tenant
        assert structured(await client.call_tool("list_documents", {}))["documents"] == []
    async with mcp_client(url, "NOT A TENANT") as client:
        assert (await client.call_tool("list_documents", {})).is_error


async def test_standalone_mcp_app_serves_the_same_tools(container: Container) -> None:
    """``agentflow mcp`` serves this app: the tools without the REST API."""
    from agentflow.cli.main import parser
    from agentflow.mcp.app import create_mcp_app

    args = parser().parse_args(["mcp", "--port", "9123"])
    assert args.port == 9123 and args.run.__name__ == "_mcp"
    app = create_mcp_app(container.settings, container=_Borrowed(container))  # type: ignore[arg-type]
    async with serving(app) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            assert (await http.get("/readyz")).json()["checks"] == {
                "catalog": "ok", "vector_index": "ok", "event_log": "ok"}
            assert (await http.get("/v1/documents")).status_code == 404
        async with mcp_client(url) as client:
            assert {t.name for t in (await client.list_tools()).tools} >= TOOLS
            assert structured(await client.call_tool("hybrid_search", {"query": "x"})) == {
                "query": "x", "passages": []}


async def test_with_auth_on_the_tenant_comes_from_the_key(tmp_path: Path, embedder: Any,
                                                          tiny_pdf: Path) -> None:
    """X-Tenant-ID counts only with the platform's service token; a caller's key decides."""
    from pydantic import SecretStr

    from agentflow.auth.admin import IdentityAdmin
    from agentflow.cli.admin import OPERATOR
    from agentflow.domain.identity import Role
    from agentflow.runtime.container import build_container
    from agentflow.settings import AuthSettings
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    settings.auth = AuthSettings(enabled=True, requests_per_minute=0,
                                 service_token=SecretStr("service-token-for-tests-0123456789"))
    container = build_container(settings, embedder=embedder)
    admin = IdentityAdmin(container.identities, container.audit)
    for tenant in ("acme", "globex"):
        await admin.create_tenant(tenant, by=OPERATOR)
    acme_key, _ = await admin.create_key("acme", Role.USER, by=OPERATOR)
    globex_key, _ = await admin.create_key("globex", Role.USER, by=OPERATOR)
    async with serving(create_app(container=container)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60, headers={
                "Authorization": f"Bearer {acme_key}"}) as http:
            document_id = (await upload(http, tiny_pdf)).json()["documents"][0]["id"]
            assert (await wait_terminal(http, document_id))["status"] == "ready"
            refused = await http.post("/mcp", headers={"Authorization": "Bearer af_wrong"},
                                      json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
            assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"

        async def listed(token: str, tenant: str | None = None) -> list[str]:
            headers = {"Authorization": f"Bearer {token}", **(
                {"X-Tenant-ID": tenant} if tenant else {})}
            async with create_mcp_http_client(headers=headers) as http, \
                    Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
                result = structured(await client.call_tool("list_documents", {}))
            return [d["document_id"] for d in result["documents"]]

        assert await listed(acme_key) == [document_id]
        assert await listed(globex_key, tenant="acme") == []  # the header cannot widen a key
        assert await listed("service-token-for-tests-0123456789", tenant="acme") == [document_id]
