"""Tenant names that cross process boundaries: the default tenant and the header naming one."""

from __future__ import annotations

DEFAULT_TENANT = "default"
# Names the tenant of a request while authentication is off (the gateway's and MCP's rule), and
# of the retrieval agent's calls to the MCP tools.
TENANT_HEADER = "X-Tenant-ID"
