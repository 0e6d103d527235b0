"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Response

from agentflow.gateway.deps import ReadinessChecksDep
from agentflow.gateway.probes import readiness_response

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a dependency is unreachable",
                                        "content": {"application/problem+json": {}}}})
async def readyz(checks: ReadinessChecksDep) -> Response:
    """Dependencies answer within 2 s each: the catalog, the vector index, the event log."""
    return await readiness_response(checks)
