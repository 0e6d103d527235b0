"""Which tenant a request acts for: one rule for the REST API and the MCP server.

With auth off (the embedded server on loopback, where every caller is trusted) the
``X-Tenant-ID`` header picks the tenant (``default`` when absent). With auth on, the tenant comes
from the caller's credentials and the header is ignored, except from the platform's own service
token (the retrieval agent calling the MCP tools for a query's tenant).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from agentflow.auth.authenticator import Authenticator
from agentflow.domain.errors import InvalidInput
from agentflow.domain.identity import Principal
from agentflow.domain.tenancy import DEFAULT_TENANT, TENANT_HEADER

_TENANT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


async def principal_from_headers(authenticator: Authenticator,
                                 headers: Mapping[str, str]) -> Principal:
    """Who sends a request with ``headers`` (raises ``Unauthenticated``)."""
    return await authenticator.authenticate(
        headers.get("authorization", headers.get("Authorization")),
        named_tenant=tenant_from_headers(headers))


def tenant_from_headers(headers: Mapping[str, str]) -> str:
    """The tenant named by ``X-Tenant-ID`` (case-insensitive ``headers``), or ``default``."""
    value = headers.get(TENANT_HEADER.lower(), headers.get(TENANT_HEADER))
    if value is None or value == "":
        return DEFAULT_TENANT
    if not _TENANT_ID.fullmatch(value):
        raise InvalidInput(f"{TENANT_HEADER} must be 1-63 lower-case letters, digits, '-' or '_', "
                           "starting with a letter or digit", field=TENANT_HEADER)
    return value
