"""The docs stay honest: relative links resolve, and every ``agentflow`` command they show
parses with the CLI. A command in a code block must parse whole; a usage synopsis, or a
command named in prose, must name a subcommand and only flags it has."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from agentflow.cli.main import parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)
_INLINE = re.compile(r"`(agentflow [^`]+)`")
_PREFIX = re.compile(r"^(?:[A-Z_]+=\S+\s+)*(?:\.venv/bin/|docker compose exec \w+ )?(?=agentflow )")
_SYNOPSIS = re.compile(r"[\[\]|]|\.\.\.|\b[A-Z]{2,}\b")


def _subparsers(command: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def commands(text: str) -> list[tuple[str, bool]]:
    """The ``agentflow ...`` commands of a document, each with whether it is meant whole:
    fenced code lines (continuations joined) are, inline code spans in prose are not."""
    found = [(span, False) for span in _INLINE.findall(text)]
    for block in _FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            match = _PREFIX.match(line.strip())
            if match is not None:
                found.append((line.strip()[match.end():], True))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_resolve(doc: Path) -> None:
    for target in _LINK.findall(doc.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        assert (doc.parent / target.split("#")[0]).exists(), f"{doc.name}: {target}"


def problems(text: str) -> list[str]:
    """What is wrong with the ``agentflow`` commands ``text`` shows (nothing: empty)."""
    root, wrong = parser(), []
    for command, whole in commands(text):
        words = shlex.split(command.split(" #")[0])[1:]  # after "agentflow"
        if whole and not _SYNOPSIS.search(command):
            try:
                root.parse_args(words)
            except SystemExit:
                wrong.append(f"`{command}` does not parse")
            continue
        current = root
        for word in words:
            current = _subparsers(current).get(word, current)
        if current is root:
            wrong.append(f"`{command}` names no subcommand")
        unknown = set(re.findall(r"(--[a-z][a-z-]*)", command)) - set(
            current._option_string_actions)
        wrong += [f"`{command}` shows {flag}, unknown to the CLI" for flag in sorted(unknown)]
    return wrong


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_command_shown_parses(doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert problems(doc.read_text()) == []
    capsys.readouterr()  # argparse's usage messages of commands that did not parse


def test_a_wrong_command_is_caught(capsys: pytest.CaptureFixture[str]) -> None:
    assert problems("```bash\nagentflow serve --bogus\n```\n") == [
        "`agentflow serve --bogus` does not parse"]
    assert problems("Use `agentflow nothing --x`.") == [
        "`agentflow nothing --x` names no subcommand", "`agentflow nothing --x` shows --x, "
        "unknown to the CLI"]
    capsys.readouterr()


def test_commands_are_found() -> None:
    text = "Run `agentflow serve`.\n```bash\nX=1 .venv/bin/agentflow ask \\\n  \"q\"  # c\n```\n"
    assert commands(text) == [("agentflow serve", False), ('agentflow ask    "q"  # c', True)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_speak_to_users_not_to_the_work_log(doc: Path) -> None:
    # Figures say which machine they came from, not which work session; sections are named
    # after what they describe, not after the issue that built it.
    assert not re.findall(r"(?i)\b(?:issues?|sessions?)[ -]\d+", doc.read_text())
