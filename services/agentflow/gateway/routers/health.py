"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from agentflow.gateway.deps import ContainerDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(container: ContainerDep) -> dict[str, str]:
    """Dependencies answer: the catalog and the vector index."""
    await container.catalog.list_documents("__readyz__", limit=1)
    await container.index.count("__readyz__")
    return {"status": "ready"}
