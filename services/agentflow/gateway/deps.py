"""``Annotated`` dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agentflow.gateway.tenancy import tenant_from_headers
from agentflow.runtime.container import Container


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_tenant_id(request: Request) -> str:
    return tenant_from_headers(request.headers)


ContainerDep = Annotated[Container, Depends(get_container)]
TenantDep = Annotated[str, Depends(get_tenant_id)]
