"""The shared data: a clone without it skips what needs it, CI without it fails."""

from __future__ import annotations

import pytest

from tests.conftest import shared


def test_a_missing_shared_path_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run with"):
        shared("no-such-folder", "file.pdf")


def test_a_missing_shared_path_skips_in_a_clone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        shared("no-such-folder", "file.pdf")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        shared("no-such-folder", "file.pdf")
