"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from agentflow.gateway.deps import ContainerDep
from agentflow.gateway.probes import readiness_endpoint
from agentflow.runtime.readiness import store_checks

router = APIRouter(tags=["operations"])
_ready = readiness_endpoint(lambda request: store_checks(request.app.state.container))


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a dependency is unreachable",
                                        "content": {"application/problem+json": {}}}})
async def readyz(request: Request, _: ContainerDep) -> Response:
    """Dependencies answer within 2 s each: the catalog, the vector index, the event log."""
    return await _ready(request)
