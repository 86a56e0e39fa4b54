"""The README documents every command and every import column the code knows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from sunset.cli.main import app
from sunset.lines import rules as line_rules
from sunset.sites import rules as site_rules

# Typer builds on its own copy of click: walk the tree by its shape rather than by class.


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path] if path else []
    for name, sub in getattr(command, "commands", {}).items():
        found += _paths(sub, (*path, name))
    return found


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option" and p.name != "help"]


ROOT = typer.main.get_command(app)
COMMAND_PATHS = _paths(ROOT)


def _command(path: tuple[str, ...]) -> Any:
    command = ROOT
    for name in path:
        command = command.commands[name]
    return command


@pytest.fixture
def readme(repo_root: Path) -> str:
    return (repo_root / "README.md").read_text(encoding="utf-8")


def test_the_cli_has_the_commands_of_this_milestone() -> None:
    names = {" ".join(p) for p in COMMAND_PATHS}
    assert {"import lines", "import sites", "status", "verify", "demo", "db upgrade"} <= names


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_is_in_the_readme(readme: str, path: tuple[str, ...]) -> None:
    assert f"sunset {' '.join(path)}" in readme


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_explains_itself_in_its_help(path: tuple[str, ...]) -> None:
    command = _command(path)
    assert (command.help or command.short_help or "").strip(), path
    for option in _options(command):
        assert (option.help or "").strip(), (path, option.name)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_option_of_a_command_is_in_the_readme(readme: str, path: tuple[str, ...]) -> None:
    command = _command(path)
    documented = [line for line in readme.splitlines() if f"sunset {' '.join(path)}" in line]
    for option in _options(command):
        longest = max(option.opts, key=len)
        assert any(longest in line for line in documented), (path, longest)


@pytest.mark.parametrize("column", [*line_rules.REQUIRED, *line_rules.OPTIONAL])
def test_every_lines_import_column_is_in_the_readme(readme: str, column: str) -> None:
    assert f"`{column}`" in readme


@pytest.mark.parametrize("column", [*site_rules.REQUIRED, *site_rules.OPTIONAL])
def test_every_sites_import_column_is_in_the_readme(readme: str, column: str) -> None:
    assert f"`{column}`" in readme


def test_the_readme_lists_exactly_the_required_lines_columns(readme: str) -> None:
    section = readme.split("Required columns:", 1)[1].split("Optional columns:", 1)[0]
    listed = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert listed == list(line_rules.REQUIRED)
