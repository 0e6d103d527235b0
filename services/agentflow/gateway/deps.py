"""``Annotated`` dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agentflow.runtime.container import Container

DEFAULT_TENANT = "default"


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_tenant_id() -> str:
    # Authentication arrives with the tenancy issue; until then every caller is ``default``.
    return DEFAULT_TENANT


ContainerDep = Annotated[Container, Depends(get_container)]
TenantDep = Annotated[str, Depends(get_tenant_id)]
