"""OpenTelemetry traces: one trace per query or upload, across processes.

Spans: every HTTP request (the gateway's and the agent services'), workflow, activity, agent
call, model call, MCP tool call and batch (Ray) task. The W3C ``traceparent`` travels in HTTP
headers, in A2A messages (``AgentMessage.traceparent``), in domain events
(``DomainEvent.traceparent``), in workflow inputs and in the rows handed to batch stages, so a
span started on the other side joins the same trace (ADR 0011).

Export is OTLP over HTTP when ``AGENTFLOW_TELEMETRY__OTLP_ENDPOINT`` is set; otherwise spans are
made (trace and span ids reach the logs) and dropped. Tests install an in-memory exporter.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
_EXPORTING: set[str] = set()
tracer = trace.get_tracer("agentflow")

Attribute = str | int | float | bool


class PrivateIdGenerator(IdGenerator):
    """Trace and span ids from a private generator: the SDK's default draws from the global
    ``random`` module, whose state then changes under anything else seeded from it (property
    based tests notice)."""

    def __init__(self) -> None:
        self._random = random.Random(secrets.randbits(128))

    def generate_span_id(self) -> int:
        return self._random.getrandbits(64) or 1

    def generate_trace_id(self) -> int:
        return self._random.getrandbits(128) or 1


def new_provider(service: str = "agentflow") -> TracerProvider:
    return TracerProvider(resource=Resource.create({"service.name": service}),
                          id_generator=PrivateIdGenerator())


def configure_tracing(service: str, *, otlp_endpoint: str | None = None) -> None:
    """Install the SDK's tracer provider once per process (a provider already installed, e.g.
    by tests or the host application, is kept) and add the OTLP exporter when configured."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = new_provider(service)
        trace.set_tracer_provider(provider)
    if otlp_endpoint and otlp_endpoint not in _EXPORTING:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
            endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")))
        _EXPORTING.add(otlp_endpoint)


def traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, to hand to another process."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def headers() -> dict[str, str]:
    """HTTP headers carrying the current trace context (empty without a current span)."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def context_from(carrier: Mapping[str, str] | str | None, *,
                 trace_id: str | None = None) -> Context | None:
    """The remote parent a ``traceparent`` (or headers holding one) names; with only a bare
    32-hex ``trace_id`` (an ``X-Trace-Id`` header), a parent in that trace."""
    if isinstance(carrier, str):
        carrier = {"traceparent": carrier}
    if carrier:
        context = _PROPAGATOR.extract(dict(carrier))
        if trace.get_current_span(context).get_span_context().is_valid:
            return context
    if trace_id:
        parent = SpanContext(trace_id=int(trace_id, 16), span_id=int(secrets.token_hex(8), 16),
                             is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
        return trace.set_span_in_context(NonRecordingSpan(parent))
    return None


@contextmanager
def span(name: str, attributes: Mapping[str, Attribute | None] | None = None, *,
         parent: Mapping[str, str] | str | None = None, kind: SpanKind = SpanKind.INTERNAL,
         **named: Attribute | None) -> Iterator[Span]:
    """A span, child of ``parent`` when given (else of the current span), made current.
    ``None`` attribute values are left out."""
    context = context_from(parent) if parent else None
    given = {**(attributes or {}), **named}
    with tracer.start_as_current_span(
            name, context=context, kind=kind,
            attributes={k: v for k, v in given.items() if v is not None}) as current:
        yield current


def current_ids() -> tuple[str, str] | None:
    """``(trace_id, span_id)`` of the current span as hex, when there is one."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
