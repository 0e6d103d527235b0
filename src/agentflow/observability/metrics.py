"""Prometheus metrics: one registry per process, scraped at ``/metrics``.

Label values are bounded: routes are templates (``/v1/documents/{document_id}``), agents and
stages are enums, models come from configuration, tenants are created by admins. No document,
query or trace id is ever a label (those live in logs and traces).

The dashboards in ``deploy/grafana`` and the rules in ``deploy/prometheus`` may use only the
names and labels declared here; ``tests/unit/test_dashboards.py`` parses every PromQL expression
and checks it against :data:`REGISTRY`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)  # 3 s: the SLO
_SLOW = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

http_requests = Counter(
    "agentflow_http_requests", "HTTP requests answered.",
    ["route", "method", "status"], registry=REGISTRY)
http_request_duration = Histogram(
    "agentflow_http_request_duration_seconds",
    "Time to the end of the response (SSE: of the whole stream).",
    ["route", "method", "status"], buckets=_FAST, registry=REGISTRY)

agent_invocations = Counter(
    "agentflow_agent_invocations", "Agent calls by outcome (ok, failed, timeout).",
    ["agent", "outcome"], registry=REGISTRY)
agent_duration = Histogram(
    "agentflow_agent_duration_seconds", "Time of one agent call.",
    ["agent", "outcome"], buckets=_FAST, registry=REGISTRY)
agent_retries = Counter(
    "agentflow_agent_retries", "Agent calls retried after a failure.", ["agent"],
    registry=REGISTRY)
agent_fallbacks = Counter(
    "agentflow_agent_fallbacks", "Agents that gave up a model for the next in their chain.",
    ["agent"], registry=REGISTRY)

tokens = Counter(
    "agentflow_tokens", "Model tokens, by direction (input, output).",
    ["agent", "model", "tenant", "direction"], registry=REGISTRY)
cost_usd = Counter(
    "agentflow_cost_usd", "Model cost in US dollars at the configured prices.",
    ["agent", "model", "tenant"], registry=REGISTRY)
queries = Counter(
    "agentflow_queries", "Questions answered or failed.", ["outcome"], registry=REGISTRY)
query_duration = Histogram(
    "agentflow_query_duration_seconds", "Question to final answer (the answer SLO).",
    ["outcome"], buckets=_FAST, registry=REGISTRY)
query_time_to_first_token = Histogram(
    "agentflow_query_time_to_first_token_seconds", "Question to the first answer token.",
    buckets=_FAST, registry=REGISTRY)

ingest_pages = Counter(
    "agentflow_ingest_pages", "PDF pages extracted.", registry=REGISTRY)
ingest_chunks = Counter(
    "agentflow_ingest_chunks", "Chunks embedded and indexed.", registry=REGISTRY)
ingest_stage_duration = Histogram(
    "agentflow_ingest_stage_duration_seconds",
    "One ingestion activity (extract a page range, embed a chunk range, ...).",
    ["stage"], buckets=_SLOW, registry=REGISTRY)
ingest_documents = Counter(
    "agentflow_ingest_documents", "Documents that finished ingestion, by outcome (ready, "
    "failed).", ["outcome"], registry=REGISTRY)

documents = Gauge(
    "agentflow_documents", "Documents in the catalog (refreshed at each scrape).",
    ["status", "tenant"], registry=REGISTRY)
queue_depth = Gauge(
    "agentflow_queue_depth", "Work waiting in a queue (refreshed at each scrape).",
    ["queue"], registry=REGISTRY)
sse_streams = Gauge(
    "agentflow_sse_streams", "SSE streams open now.", registry=REGISTRY)
rate_limited = Counter(
    "agentflow_rate_limited", "Requests refused for a tenant's rate or quota.",
    ["tenant"], registry=REGISTRY)
alerts = Counter(
    "agentflow_alerts", "Alerts raised by the monitoring agent.", ["kind"], registry=REGISTRY)

_ALL: tuple[Counter | Gauge | Histogram, ...] = (
    http_requests, http_request_duration, agent_invocations, agent_duration, agent_retries,
    agent_fallbacks, tokens, cost_usd, queries, query_duration, query_time_to_first_token,
    ingest_pages, ingest_chunks, ingest_stage_duration, ingest_documents, documents, queue_depth,
    sse_streams, rate_limited, alerts)


def exported_names() -> dict[str, frozenset[str]]:
    """Every series name the registry exports, with its label names (a histogram's
    ``_bucket`` gains ``le``), for checking dashboards and rules against the code."""
    names: dict[str, frozenset[str]] = {}
    for metric in _ALL:
        base, labels = metric._name, frozenset(metric._labelnames)
        if isinstance(metric, Counter):
            names[f"{base}_total"] = labels
        elif isinstance(metric, Histogram):
            names[f"{base}_bucket"] = labels | {"le"}
            names[f"{base}_sum"] = names[f"{base}_count"] = labels
        else:
            names[base] = labels
    return names


def render() -> bytes:
    """The text exposition of every metric of this process."""
    return generate_latest(REGISTRY)
