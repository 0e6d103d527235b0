"""Search over a tenant's indexed chunks: the retrieval agent's tools and the MCP server's."""
