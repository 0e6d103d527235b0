"""The usage ledger: the contract, run against both catalog adapters (SQLite, Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentflow.domain.queries import AgentUsage
from agentflow.ports.usage_ledger import UsageLedger
from tests.contract.records import T0


async def test_usage_is_recorded_per_query_and_summed_per_tenant_agent_and_model(
        catalog: UsageLedger) -> None:
    from agentflow.domain.queries import AgentUsage

    def used(model: str, tokens: int, cost: float) -> AgentUsage:
        return AgentUsage(model=model, input_tokens=tokens, output_tokens=tokens // 2,
                          cost_usd=cost)

    await catalog.record_usage("a", "q1", {"synthesis": used("m", 100, 0.01),
                                           "citation": used("m", 10, 0.001)}, at=T0)
    await catalog.record_usage("a", "q2", {"synthesis": used("m", 300, 0.03)},
                               at=T0 + timedelta(hours=1))
    await catalog.record_usage("a", "q2", {"synthesis": used("m", 300, 0.03)},
                               at=T0 + timedelta(hours=1))  # recorded again: not counted twice
    await catalog.record_usage("b", "q3", {"synthesis": used("other", 50, 0.0)}, at=T0)
    totals = await catalog.usage_totals("a")
    assert [(t.agent, t.model, t.queries, t.input_tokens, t.output_tokens) for t in totals] == [
        ("citation", "m", 1, 10, 5), ("synthesis", "m", 2, 400, 200)]
    assert totals[1].cost_usd == pytest.approx(0.04)
    assert {t.tenant_id for t in await catalog.usage_totals()} == {"a", "b"}
    window = await catalog.usage_totals("a", since=T0 + timedelta(minutes=30),
                                        until=T0 + timedelta(hours=2))
    assert [(t.agent, t.queries) for t in window] == [("synthesis", 1)]
