"""Optional parts load through one helper whose error names an extra that exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from agentflow.domain.errors import DependencyMissing
from agentflow.runtime.optional import EXTRAS, load

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "src" / "agentflow" / "runtime"


def test_the_extras_named_are_the_projects() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert set(EXTRAS) <= set(project["optional-dependencies"])
    # Every extra the composition root names is one of them.
    named = {extra for module in RUNTIME.glob("*.py")
             for extra in re.findall(r'load\("[\w.]+", "(\w+)"\)', module.read_text())}
    assert named and named <= EXTRAS


def test_a_missing_module_of_an_extra_says_how_to_install_it() -> None:
    with pytest.raises(DependencyMissing) as missing:
        load("agentflow_no_such_module", "distributed")
    assert "pip install 'agentflow[distributed]'" in missing.value.detail
    assert missing.value.fields["extra"] == "distributed"


def test_a_missing_base_module_is_a_broken_install() -> None:
    with pytest.raises(DependencyMissing, match="part of the base install"):
        load("agentflow_no_such_module")
    with pytest.raises(ValueError, match="no extra 'core'"):
        load("json", "core")
    assert load("json").dumps([]) == "[]"
