"""structlog set-up: key-value events, JSON lines, every line carrying the trace id.

Each line carries ``trace_id`` and, inside a span, ``span_id`` (the OpenTelemetry ids, so a log
line leads to its trace); ``tenant_id``, ``query_id``/``document_id`` and ``agent`` are bound
where the work is known. Values under secret-looking or text-bearing keys are redacted: no
credential and no document text reaches a log.
"""

from __future__ import annotations

import logging
import secrets
import sys
from contextvars import ContextVar

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from agentflow.observability.tracing import current_ids

_trace_id: ContextVar[str | None] = ContextVar("trace_id", default=None)


def new_trace_id() -> str:
    """A W3C-compatible 32-hex-digit trace id."""
    return secrets.token_hex(16)


def bind_trace_id(trace_id: str | None = None) -> str:
    """Make ``trace_id`` (or a new one) the current trace for this context."""
    value = trace_id or new_trace_id()
    _trace_id.set(value)
    structlog.contextvars.bind_contextvars(trace_id=value)
    return value


def current_trace_id() -> str | None:
    return _trace_id.get()


def _ensure_trace_id(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    ids = current_ids()
    if ids is not None:
        event.setdefault("trace_id", ids[0])
        event.setdefault("span_id", ids[1])
    if "trace_id" not in event:
        event["trace_id"] = _trace_id.get() or "-"
    return event


REDACTED_KEYS = frozenset({
    "authorization", "api_key", "key", "password", "secret", "token", "jwt", "jwt_secret",
    "service_token", "cookie", "text", "passage", "passages", "content", "chunk_text"})


def _redact(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    for key in REDACTED_KEYS.intersection(event):
        event[key] = "[redacted]"
    return event


def configure_logging(level: str = "info", *, json: bool = True) -> None:
    """Route structlog and the standard library through one JSON (or console) renderer."""
    renderer = (structlog.processors.JSONRenderer() if json
                else structlog.dev.ConsoleRenderer(colors=False))
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _ensure_trace_id,
        _redact,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared, processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
