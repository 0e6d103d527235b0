"""The import root stays a namespace and never shadows the OpenAI Agents SDK (``agents``)."""

from __future__ import annotations

import importlib
from pathlib import Path

from tests.conftest import ROOT


def test_no_top_level_package_shadows_the_sdk() -> None:
    for folder in ("agents", "src", "services", "ray_tasks"):
        assert not (ROOT / folder / "__init__.py").exists(), folder
        assert not (ROOT / folder / "agentflow" / "__init__.py").exists(), folder
    sdk = importlib.import_module("agents")
    assert "site-packages" in Path(str(sdk.__file__)).parts
    assert hasattr(sdk, "Runner") and hasattr(sdk, "Agent")
    ours = importlib.import_module("agentflow.agents")
    assert Path(str(ours.__file__)).is_relative_to(ROOT / "agents" / "agentflow" / "agents")
