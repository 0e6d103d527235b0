"""Per-request telemetry as plain ASGI (so SSE streams pass straight through, unbuffered):
a server span continuing the caller's W3C trace, the trace id bound for logs and returned as
``X-Trace-Id``, and the HTTP request metrics labelled by route template."""

from __future__ import annotations

import re
import time

import structlog
from fastapi import FastAPI, Request, Response
from opentelemetry.trace import SpanKind, StatusCode
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send

from agentflow.gateway.response_hooks import on_response_start
from agentflow.observability import metrics
from agentflow.observability.logging import bind_trace_id
from agentflow.observability.tracing import context_from, tracer

_PROPAGATED = (b"traceparent", b"tracestate", b"x-trace-id")
_TRACE_ID = re.compile(r"[0-9a-f]{32}")


def install_metrics_route(app: FastAPI) -> None:
    """``GET /metrics`` for a service without a catalog (agents, monitor): the registry as is."""

    async def scrape(_: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    app.add_route("/metrics", scrape, methods=["GET"], include_in_schema=False)


def route_of(scope: Scope) -> str:
    """The matched route's template; one label for everything unmatched (bounded labels)."""
    return str(getattr(scope.get("route"), "path", None) or "unmatched")


class RequestTelemetry:
    """Outermost application middleware: spans, trace ids and metrics for every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        structlog.contextvars.clear_contextvars()
        carrier = {name.decode(): value.decode("latin-1")
                   for name, value in scope["headers"] if name in _PROPAGATED}
        bare = carrier.get("x-trace-id", "")
        parent = context_from(carrier, trace_id=bare if _TRACE_ID.fullmatch(bare) else None)
        method, status, started = scope["method"], 500, time.perf_counter()
        with tracer.start_as_current_span(
                method, context=parent, kind=SpanKind.SERVER, record_exception=False,
                attributes={"http.request.method": method, "url.path": scope["path"]}) as span:
            ids = span.get_span_context()
            trace_id = bind_trace_id(format(ids.trace_id, "032x") if ids.is_valid else None)

            def answered(code: int, headers: MutableHeaders) -> None:
                nonlocal status
                status = code
                headers.append("x-trace-id", trace_id)

            traced_send = on_response_start(send, answered)
            try:
                await self.app(scope, receive, traced_send)
            finally:
                route = route_of(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(StatusCode.ERROR)
                labels = (route, method, str(status))
                metrics.http_requests.labels(*labels).inc()
                metrics.http_request_duration.labels(*labels).observe(
                    time.perf_counter() - started)
