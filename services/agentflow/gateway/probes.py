"""``/healthz`` and ``/readyz`` for every AgentFlow service, one definition for all of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agentflow.gateway.problems import problem
from agentflow.runtime.readiness import Check, probe

ChecksOf = Callable[[Request], Mapping[str, Check]]
Endpoint = Callable[[Request], Awaitable[Response]]


def readiness_endpoint(checks_of: ChecksOf) -> Endpoint:
    """``/readyz``: 200 with each dependency ``ok``, or 503 ``not_ready`` naming the failures."""

    async def readyz(request: Request) -> Response:
        return await readiness_response(checks_of(request))

    return readyz


async def readiness_response(checks: Mapping[str, Check]) -> Response:
    """200 with each dependency ``ok``, or 503 ``not_ready`` naming the failures."""
    report = await probe(checks)
    if report.ready:
        return JSONResponse({"status": "ready", "checks": report.checks})
    failing = sorted(name for name, state in report.checks.items() if state != "ok")
    return problem(503, "not_ready", "Not ready", f"unreachable: {', '.join(failing)}",
                   checks=report.checks)


async def healthz(request: Request) -> Response:
    """``/healthz``: the process is up and serving requests."""
    return JSONResponse({"status": "ok"})


def install_probes(app: Starlette, checks_of: ChecksOf) -> None:
    """Add both probes to ``app`` (outside the OpenAPI document: they are for operators)."""
    app.router.routes.append(Route("/healthz", healthz, methods=["GET"]))
    app.router.routes.append(Route("/readyz", readiness_endpoint(checks_of), methods=["GET"]))
