"""The Grafana dashboards and Prometheus alert rules shipped in ``helm/agentflow`` use only what
the code exports: every PromQL expression is parsed, and each metric it selects, each label it
matches on and each label it groups or joins by must exist on ``agentflow.observability.metrics``
(histogram buckets add ``le``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from agentflow.observability.metrics import exported_names

CHART = Path(__file__).resolve().parents[2] / "helm" / "agentflow"
DASHBOARDS = sorted((CHART / "dashboards").glob("*.json"))
RULES = sorted((CHART / "rules").glob("*.yaml"))
EXPORTED = exported_names()


def _dashboard_exprs() -> list[tuple[str, str]]:
    found = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            found += [(f"{path.name}: {panel['title']}", target["expr"])
                      for target in panel["targets"]]
    return found


def _rule_exprs() -> list[tuple[str, str]]:
    return [(f"{path.name}: {rule['alert']}", rule["expr"])
            for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]]


def check(node: Any) -> set[str]:
    """Walk the expression; raise on an unknown metric or label. Returns the labels the
    sub-expression's series can carry (for checking grouping and matching labels)."""
    if isinstance(node, promql_parser.VectorSelector):
        assert node.name in EXPORTED, f"{node.name} is not exported"
        labels = set(EXPORTED[node.name])
        for matcher in node.matchers.matchers:
            assert matcher.name in labels, f"{node.name} has no label {matcher.name}"
        return labels
    if isinstance(node, promql_parser.MatrixSelector):
        return check(node.vector_selector)
    if isinstance(node, promql_parser.AggregateExpr):
        inner = check(node.expr)
        if node.param is not None:
            check(node.param)
        if node.modifier is None:
            return set()  # a plain sum() keeps no label
        grouped = set(node.modifier.labels)
        assert grouped <= inner, f"grouping by {grouped - inner}, which the series lack"
        by = node.modifier.type == promql_parser.AggModifierType.By
        return grouped if by else inner - grouped
    if isinstance(node, promql_parser.BinaryExpr):
        left, right = check(node.lhs), check(node.rhs)
        modifier = node.modifier
        if modifier is not None and modifier.matching is not None:
            joined = set(modifier.matching.labels)
            assert joined <= left | right, f"matching on {joined - (left | right)}"
        return left | right
    if isinstance(node, promql_parser.Call):
        labels: set[str] = set()
        for argument in node.args:
            labels |= check(argument)
        if node.func.name == "histogram_quantile":
            labels.discard("le")
        return labels
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr):
        return check(node.expr)
    if isinstance(node, promql_parser.SubqueryExpr):
        return check(node.expr)
    return set()  # literals


@pytest.mark.parametrize(("where", "expr"), _dashboard_exprs() + _rule_exprs())
def test_every_expression_uses_only_exported_metrics_and_labels(where: str, expr: str) -> None:
    check(promql_parser.parse(expr))


def test_the_checker_catches_unknown_names() -> None:
    for wrong in ("rate(agentflow_nonexistent_total[5m])",
                  'sum(rate(agentflow_agent_invocations_total{tenant="a"}[5m]))',
                  "sum by (tenant) (rate(agentflow_agent_invocations_total[5m]))",
                  "histogram_quantile(0.9, sum by (le) (rate(agentflow_agent_duration_seconds[5m])))"):
        with pytest.raises(AssertionError):
            check(promql_parser.parse(wrong))


def test_the_four_dashboards_cover_what_admins_watch() -> None:
    titles = {json.loads(p.read_text())["title"]: p for p in DASHBOARDS}
    assert set(titles) == {"AgentFlow / Agents", "AgentFlow / Ingestion",
                           "AgentFlow / Tenants & cost", "AgentFlow / SLOs"}
    used = " ".join(expr for _, expr in _dashboard_exprs())
    for name in ("agentflow_agent_invocations_total", "agentflow_agent_duration_seconds_bucket",
                 "agentflow_agent_retries_total", "agentflow_agent_fallbacks_total",
                 "agentflow_ingest_pages_total", "agentflow_ingest_stage_duration_seconds_bucket",
                 "agentflow_queue_depth", "agentflow_tokens_total", "agentflow_cost_usd_total",
                 "agentflow_query_duration_seconds_bucket",
                 "agentflow_query_time_to_first_token_seconds_bucket"):
        assert name in used, name
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert board["uid"].startswith("agentflow-") and board["panels"]
        assert len({panel["id"] for panel in board["panels"]}) == len(board["panels"])


def test_alert_rules_are_complete() -> None:
    rules = [rule for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
             for rule in group["rules"]]
    names = {rule["alert"] for rule in rules}
    assert {"AgentFlowAnswerLatencyHigh", "AgentFlowTimeToFirstTokenHigh",
            "AgentFlowAgentErrorRateHigh", "AgentFlowAgentFallingBack",
            "AgentFlowIngestionBacklog", "AgentFlowTenantCostSpike"} <= names
    for rule in rules:
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
