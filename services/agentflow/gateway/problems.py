"""RFC 9457 problem responses: the only place AgentFlow errors become HTTP status codes."""

from __future__ import annotations

import math
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agentflow.domain import errors
from agentflow.observability.logging import current_trace_id

log = structlog.get_logger(__name__)
PROBLEM_TYPE_BASE = "https://agentflow.dev/problems/"

_STATUS: list[tuple[type[errors.AgentFlowError], int]] = [
    (errors.NotAPdf, 415),
    (errors.FileTooLarge, 413),
    (errors.EncryptedPdf, 422),
    (errors.EmptyFile, 400),
    (errors.InvalidInput, 400),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.RateLimited, 429),
    (errors.QuotaExceeded, 429),
    (errors.AgentFailed, 503),
    (errors.EmbeddingFailed, 502),
    (errors.DependencyMissing, 503),
    (errors.StoreUnavailable, 503),
]
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "file_too_large", 415: "unsupported_media_type",
               429: "rate_limited"}


def status_for(error: errors.AgentFlowError) -> int:
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 500)


def status_for_code(code: str) -> int:
    kind = errors.error_type_for_code(code)
    return next((status for base, status in _STATUS if issubclass(kind, base)), 500)


def problem_event(data: dict[str, Any]) -> dict[str, Any]:
    """An ``error`` stream event's facts as a full problem object (``type``, ``status``)."""
    code = str(data.get("code", "internal_error"))
    return {"type": PROBLEM_TYPE_BASE + code, "status": status_for_code(code), **data}


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status,
            "detail": detail, "code": code, "trace_id": current_trace_id(), **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def problem_for(error: errors.AgentFlowError) -> JSONResponse:
    reserved = {"type", "title", "status", "detail", "code", "trace_id"}
    fields = {k: v for k, v in error.fields.items()
              if k not in reserved and isinstance(v, str | int | float | bool)}
    return problem(status_for(error), error.code, error.title, error.detail, **fields)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into ``application/problem+json``."""

    @app.exception_handler(errors.AgentFlowError)
    async def agentflow_error(_: Request, exc: errors.AgentFlowError) -> JSONResponse:
        response = problem_for(exc)
        if isinstance(exc, errors.StoreUnavailable):
            response.headers["Retry-After"] = "1"
        retry_after = exc.fields.get("retry_after_s")
        if isinstance(retry_after, int | float):
            response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        if isinstance(exc, errors.Unauthenticated):
            response.headers["WWW-Authenticate"] = 'Bearer realm="agentflow"'
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        issues = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return problem(422, "validation_error", "Invalid request",
                       "the request does not match the API", errors=issues)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, code.replace("_", " ").capitalize(), str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
        return problem(500, "internal_error", "Internal error", "an unexpected error occurred")
