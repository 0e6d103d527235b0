"""``agentflow agent NAME``: one agent as a service (its own process, app id and replicas).

The process builds the same container as the server (its agents always run in-process here)
and serves the agent's ``/a2a`` endpoint; Dapr service invocation brings it the orchestrator's
calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Route

from agentflow.agent_service.app import create_agent_app
from agentflow.domain.messages import AgentName
from agentflow.gateway.probes import readiness_endpoint
from agentflow.runtime.container import Container, build_container
from agentflow.runtime.readiness import store_checks
from agentflow.settings import AgentsSettings, Settings

SERVABLE = (AgentName.RETRIEVAL, AgentName.SYNTHESIS, AgentName.CITATION)


def create_agent_service(settings: Settings, name: AgentName, *,
                         container: Container | None = None) -> FastAPI:
    """The app serving agent ``name``; its container starts and stops with it."""
    if name not in SERVABLE:
        raise ValueError(f"{name} is not an agent service; choose one of "
                         f"{', '.join(a.value for a in SERVABLE)}")
    local = settings.model_copy(update={"agents": AgentsSettings()})  # agents run here
    owned = container or build_container(local)
    app = create_agent_app(owned.agents[name])

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await owned.start()
        try:
            yield
        finally:
            await owned.close()

    app.router.lifespan_context = lifespan
    app.router.routes.append(Route("/readyz", readiness_endpoint(lambda _: store_checks(owned))))
    return app
