"""Building the monitoring agent: in-process, or a client of `agentflow monitor`."""

from __future__ import annotations

import structlog

from agentflow.ports.event_bus import EventBus
from agentflow.ports.monitor import Monitor
from agentflow.runtime.optional import load
from agentflow.settings import (
    EventBusKind,
    Settings,
)

log = structlog.get_logger(__name__)


def build_monitor(settings: Settings, bus: EventBus) -> Monitor:
    """The monitoring agent hears this process's bus in the embedded profile; with Dapr pub/sub
    it runs as ``agentflow monitor`` (hearing every replica) and this is its client."""
    if settings.event_bus is not EventBusKind.MEMORY:
        from agentflow.adapters.monitor.dapr_monitor import DaprMonitorClient

        token = settings.dapr.api_token
        return DaprMonitorClient(settings.dapr.http_endpoint, settings.monitor.app_id,
                                 token=token.get_secret_value() if token else None)
    agent = build_monitoring_agent(settings)
    for pattern in load("agentflow.agents.monitoring").PATTERNS:
        bus.subscribe(pattern, agent.observe)
    return agent


def build_monitoring_agent(settings: Settings) -> Monitor:
    """The monitoring agent as ``settings.monitor`` configures it, alerts to the webhook."""
    monitoring = load("agentflow.agents.monitoring")
    from agentflow.domain.windows import Thresholds
    from agentflow.observability.alerts import WebhookNotifier

    config = settings.monitor
    sink = WebhookNotifier(config.webhook_url, attempts=config.webhook_attempts,
                           timeout_s=config.webhook_timeout_s,
                           first_backoff_s=config.webhook_first_backoff_s) \
        if config.webhook_url else None
    thresholds = Thresholds(min_samples=config.min_samples, latency_factor=config.latency_factor,
                            error_rate_delta=config.error_rate_delta,
                            token_factor=config.token_factor)
    agent: Monitor = monitoring.MonitoringAgent(
        window_s=config.window_s, baseline_windows=config.baseline_windows,
        thresholds=thresholds, alert_limit=config.alert_limit,
        cooldown_s=config.alert_cooldown_s, sink=sink)
    return agent
