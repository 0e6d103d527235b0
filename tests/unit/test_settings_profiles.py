"""``profile=distributed`` presets every shared adapter (explicit choices win), needs the shared
stores, and always needs authentication."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agentflow.domain.errors import InvalidInput
from agentflow.settings import (
    AgentTransportKind,
    EventBusKind,
    IngestDispatchKind,
    Profile,
    Settings,
    WorkflowEngineKind,
)

SHARED = {"REDIS_URL": "redis://redis:6379/0", "AGENTFLOW_VECTOR__URL": "http://qdrant:6333"}


def test_the_distributed_profile_presets_the_shared_adapters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SHARED, "AGENTFLOW_PROFILE": "distributed",
                        "AGENTFLOW_WORKFLOW__WORKER": "false"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.profile is Profile.DISTRIBUTED
    assert settings.workflow.engine is WorkflowEngineKind.DAPR
    assert settings.workflow.worker is False  # set explicitly: kept
    assert settings.agents.transport is AgentTransportKind.DAPR
    assert settings.ingest.dispatch is IngestDispatchKind.DAPR_ACTORS
    assert settings.event_bus is EventBusKind.DAPR
    with pytest.raises(InvalidInput, match="requires AGENTFLOW_AUTH__ENABLED"):
        settings.check_safe_to_serve()
    monkeypatch.setenv("AGENTFLOW_EVENT_BUS", "memory")
    assert Settings().event_bus is EventBusKind.MEMORY  # an explicit choice wins


def test_the_distributed_profile_needs_redis_and_qdrant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFLOW_PROFILE", "distributed")
    with pytest.raises(ValidationError, match="REDIS_URL and AGENTFLOW_VECTOR__URL"):
        Settings()


def test_the_embedded_profile_keeps_in_process_parts() -> None:
    settings = Settings()
    assert settings.workflow.engine is WorkflowEngineKind.IN_PROCESS
    assert settings.event_bus is EventBusKind.MEMORY
