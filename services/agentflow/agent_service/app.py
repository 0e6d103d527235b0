"""``POST /a2a/{agent}``: one agent answering typed A2A messages over HTTP.

The body is ``{"type": <message type name>, "message": <the message as JSON>}``, the answer the
same shape. An agent's failure comes back as a problem object whose ``code`` names the AgentFlow
error, so the caller re-raises the same error (``AgentTimeout`` stays a timeout, an input error
stays final) and the workflow's failure policy behaves as in one process.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agentflow.domain.errors import AgentFlowError
from agentflow.domain.messages import MESSAGE_TYPES, AgentMessage
from agentflow.gateway.telemetry import RequestTelemetry, install_metrics_route
from agentflow.observability import tracing
from agentflow.ports.agent_transport import Agent

log = structlog.get_logger(__name__)
PROBLEM = "application/problem+json"


def _problem(status: int, code: str, detail: str, error_type: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": "Agent call failed", "status": status,
                         "detail": detail, "code": code, "error_type": error_type},
                        status_code=status, media_type=PROBLEM)


def create_agent_app(*agents: Agent) -> FastAPI:
    """An app serving each of ``agents`` at ``/a2a/{its name}``, plus ``/healthz``."""
    served: dict[str, Agent] = {agent.name.value: agent for agent in agents}
    app = FastAPI(title="AgentFlow agent", version="0.1.0")
    app.add_middleware(RequestTelemetry)
    install_metrics_route(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "agents": sorted(served)}

    @app.post("/a2a/{name}")
    async def a2a(name: str, request: Request) -> JSONResponse:
        agent = served.get(name)
        if agent is None:
            return _problem(404, "agent_unavailable", f"no {name} agent here", "AgentUnavailable")
        try:
            body = await request.json()
            kind = MESSAGE_TYPES[body["type"]]
            message: AgentMessage = kind.model_validate(body["message"])
        except (ValueError, KeyError, TypeError) as error:
            return _problem(422, "invalid_input", f"not an A2A message: {error}", "InvalidInput")
        structlog.contextvars.bind_contextvars(tenant_id=message.tenant_id, agent=name,
                                               query_id=message.query_id)
        # The HTTP span continues the caller's header; a message that came without one (a
        # proxy dropped it) still joins its trace through the message's own traceparent.
        parent = None if "traceparent" in request.headers else message.traceparent
        try:
            with tracing.span(f"a2a {name}", parent=parent, agent=name,
                              attributes={"agentflow.query_id": message.query_id}):
                response = await agent.handle(message)
        except AgentFlowError as error:
            return _problem(502 if error.code.startswith("agent") else 422, error.code,
                            error.detail, type(error).__name__)
        except Exception as error:  # the agent's own bug: reported, the caller retries
            log.exception("agent_failed", agent=name, query_id=message.query_id)
            return _problem(500, "agent_failed", f"{type(error).__name__}: {error}",
                            type(error).__name__)
        return JSONResponse({"type": type(response).__name__,
                             "message": response.model_dump(mode="json")})

    return app
