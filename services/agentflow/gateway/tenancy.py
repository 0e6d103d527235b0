"""Which tenant a request acts for: one rule for the REST API and the MCP server.

Until authentication lands (the tenancy issue) the server only runs on loopback with auth off,
where every caller is trusted: the ``X-Tenant-ID`` header picks the tenant (``default`` when
absent). With auth on, the tenant will come from the caller's credentials and this header is
ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from agentflow.domain.errors import InvalidInput
from agentflow.domain.tenancy import DEFAULT_TENANT, TENANT_HEADER

_TENANT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def tenant_from_headers(headers: Mapping[str, str]) -> str:
    """The tenant named by ``X-Tenant-ID`` (case-insensitive ``headers``), or ``default``."""
    value = headers.get(TENANT_HEADER.lower(), headers.get(TENANT_HEADER))
    if value is None or value == "":
        return DEFAULT_TENANT
    if not _TENANT_ID.fullmatch(value):
        raise InvalidInput(f"{TENANT_HEADER} must be 1-63 lower-case letters, digits, '-' or '_', "
                           "starting with a letter or digit", field=TENANT_HEADER)
    return value
