"""The MCP server: AgentFlow's search functions as tools for any MCP client."""
