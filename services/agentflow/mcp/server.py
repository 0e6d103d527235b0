"""The knowledge base as MCP tools: the same search functions the extractive retrieval agent calls.

Every tool is scoped to the caller's tenant, read from the HTTP request that carried the call
(``tenant_from_headers``, the REST API's rule), never from a tool argument. Results are structured
(``outputSchema`` + ``structuredContent``): passage text, document id and name, pages, score and
chunk id, so any MCP client can cite what it got.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from pydantic import Field

from agentflow.domain.errors import AgentFlowError
from agentflow.domain.queries import MAX_TOP_K
from agentflow.domain.vectors import SearchFilters
from agentflow.gateway.tenancy import tenant_from_headers
from agentflow.observability import tracing
from agentflow.observability.audit import Auditor
from agentflow.ports.page_store import PageStore
from agentflow.retrieval.results import (
    DocumentInfo,
    DocumentList,
    FoundDocuments,
    PassageHit,
    SearchResult,
)
from agentflow.retrieval.search import SearchService

INSTRUCTIONS = ("Search the tenant's uploaded documents. Use find_documents when a question names "
                "a company, document or period, then search those document_ids. Use "
                "hybrid_search first; "
                "keyword_search for exact names and numbers; vector_search for paraphrases. "
                "Cite passages by document_name and page.")

Query = Annotated[str, Field(min_length=1, max_length=2000, description="What to look for")]
Limit = Annotated[int, Field(ge=1, le=MAX_TOP_K, description="How many passages")]
DocumentIds = Annotated[list[str] | None, Field(max_length=100,
                                                description="Only these documents")]
Tags = Annotated[list[str] | None, Field(max_length=50,
                                         description="Only documents with any of these tags")]


def request_tenant(ctx: Context) -> str:
    """The tenant of the HTTP request behind this MCP call (``default`` off HTTP)."""
    request: Any = ctx.request_context.request
    headers = getattr(request, "headers", None)
    return tenant_from_headers(headers) if headers is not None else tenant_from_headers({})


def build_mcp_server(search: SearchService, catalog: PageStore, *,
                     tenant: Callable[[Context], str] = request_tenant,
                     audit: Auditor | None = None) -> MCPServer:
    """An ``MCPServer`` whose tools call ``search`` for the calling tenant."""
    server: MCPServer = MCPServer(name="agentflow", instructions=INSTRUCTIONS,
                                  version="0.1.0", log_level="WARNING")

    async def _audit(tenant_id: str, tool: str, outcome: str, **detail: str | int) -> None:
        if audit is not None:
            await audit.record(tenant_id, "mcp", f"tool.{tool}", outcome, detail)

    async def _search(ctx: Context, mode: str, query: str, limit: int,
                      document_ids: list[str] | None, tags: list[str] | None) -> SearchResult:
        filters = SearchFilters(document_ids=document_ids or None, tags=tags or None)
        functions = {"hybrid": search.hybrid_search, "vector": search.vector_search,
                     "keyword": search.keyword_search}
        tenant_id = tenant(ctx)
        try:
            with tracing.span(f"tool {mode}_search", tool=f"{mode}_search", limit=limit):
                passages = await functions[mode](tenant_id, query, limit=limit,
                                                  filters=filters)
        except AgentFlowError as error:
            await _audit(tenant_id, f"{mode}_search", "failed", reason=error.code)
            raise ToolError(f"{error.code}: {error.detail}") from error
        await _audit(tenant_id, f"{mode}_search", "ok", passages=len(passages))
        return SearchResult(query=query, passages=[PassageHit.of(p) for p in passages])

    @server.tool(description="Dense + BM25 search fused in the index: the best default.")
    async def hybrid_search(ctx: Context, query: Query, limit: Limit = 5,
                            document_ids: DocumentIds = None, tags: Tags = None) -> SearchResult:
        return await _search(ctx, "hybrid", query, limit, document_ids, tags)

    @server.tool(description="Search by meaning (embedding cosine): paraphrases, concepts.")
    async def vector_search(ctx: Context, query: Query, limit: Limit = 5,
                            document_ids: DocumentIds = None, tags: Tags = None) -> SearchResult:
        return await _search(ctx, "vector", query, limit, document_ids, tags)

    @server.tool(description="Search by words (BM25): exact names, figures, identifiers.")
    async def keyword_search(ctx: Context, query: Query, limit: Limit = 5,
                             document_ids: DocumentIds = None, tags: Tags = None) -> SearchResult:
        return await _search(ctx, "keyword", query, limit, document_ids, tags)

    @server.tool(description="Documents ready to search, newest first; filter by tags or name.")
    async def list_documents(ctx: Context, tags: Tags = None,
                             name_contains: Annotated[str | None, Field(max_length=200)] = None,
                             limit: Annotated[int, Field(ge=1, le=500)] = 100) -> DocumentList:
        tenant_id = tenant(ctx)
        documents = await search.list_documents(tenant_id, tags=tags,
                                                name_contains=name_contains, limit=limit)
        await _audit(tenant_id, "list_documents", "ok", documents=len(documents))
        return DocumentList(documents=[DocumentInfo.of(d) for d in documents])

    @server.tool(description="The documents a question names (organisation, period, kind, "
                             "title), best first, with the reasons; search them with "
                             "document_ids. restricted: one document is clearly meant.")
    async def find_documents(ctx: Context, query: Query, tags: Tags = None) -> FoundDocuments:
        tenant_id = tenant(ctx)
        with tracing.span("tool find_documents", tool="find_documents"):
            routing = await search.route(tenant_id, query, filters=SearchFilters(tags=tags or None))
        await _audit(tenant_id, "find_documents", "ok", documents=len(routing.preferred))
        return FoundDocuments(query=query, documents=routing.preferred,
                              restricted=routing.restricted, reason=routing.reason)

    @server.tool(description="Re-order passages from a search by how well their best sentence "
                             "matches the query.")
    async def rerank(ctx: Context, query: Query,
                     passages: Annotated[list[PassageHit], Field(max_length=50)],
                     limit: Limit | None = None) -> SearchResult:
        tenant_id = tenant(ctx)  # a valid tenant is needed even though no stored data is read
        ranked = await search.rerank(query, [p.passage() for p in passages], limit=limit)
        await _audit(tenant_id, "rerank", "ok", passages=len(ranked))
        return SearchResult(query=query, passages=[PassageHit.of(p) for p in ranked])

    @server.resource("agentflow://documents/{document_id}/pages/{page}", mime_type="text/plain",
                     description="The extracted text of one page of a document.")
    async def document_page(document_id: str, page: str, ctx: Context) -> str:
        number = int(page) if page.isdigit() else 0
        found = await catalog.get_page(tenant(ctx), document_id, number) if number else None
        if found is None:
            raise ResourceError(f"page {page} of document {document_id} does not exist")
        return found.text

    return server
