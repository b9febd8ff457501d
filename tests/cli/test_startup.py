"""The command line's start-up (issue 14): `annotator --help`, `--version` and
`annotator COMMAND --help` load no command's implementation, only what
declares the arguments; a command's module is imported when it is named.

tests/cli/test_startup_help.py checks that the output is what it was;
benchmarks/bench_startup.py times it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator import cli
from annotator.cli.app import COMMANDS, build_parser, command_module_name
from annotator.core import formats

HEAVY = ("annotator.app", "annotator.io", "annotator.store", "annotator.ui", "sqlalchemy",
         "alembic", "yaml", "PySide6", "orjson")  # fmt: skip
"""What the implementations load; declaring arguments needs none of it."""

_PROBE = """
import json, sys
from annotator.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(*argv: str) -> list[str]:
    """The modules a fresh process has imported after `annotator ARGV`."""
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True
    )
    return json.loads(probe.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith(HEAVY)]


def _commands_loaded(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith("annotator.cli.cmd_")]


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_and_version_load_no_command(argv: list[str]) -> None:
    modules = loaded_modules(*argv)
    assert _commands_loaded(modules) == []
    assert _heavy(modules) == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_help_loads_only_its_declaration(command: str) -> None:
    modules = loaded_modules(command, "--help")
    assert _commands_loaded(modules) == [command_module_name(command)]
    assert _heavy(modules) == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_module_declares_a_handler(command: str) -> None:
    parser = argparse.ArgumentParser(prog=f"annotator {command}")
    importlib.import_module(command_module_name(command)).register(parser)
    assert callable(parser.get_default("func"))
    assert parser.description


def test_help_lists_every_command_module() -> None:
    package = Path(cli.__file__).parent
    modules = {p.stem.removeprefix("cmd_").replace("_", "-") for p in package.glob("cmd_*.py")}
    assert modules == set(COMMANDS)
    assert "install-desktop" in build_parser().format_help()


def test_the_article_types_offered_are_the_ones_read() -> None:
    from annotator.app import transfer

    assert list(formats.ARTICLE_SUFFIXES) == transfer.article_suffixes()


def test_a_command_loads_its_implementation_when_it_runs(tmp_path: Path) -> None:
    modules = loaded_modules("new", str(tmp_path / "p"))
    assert "annotator.app.project" in modules
    assert _commands_loaded(modules) == ["annotator.cli.cmd_new"]


def test_python_dash_m_annotator() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "annotator", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("annotator ")


def test_without_a_command_the_window_opens() -> None:
    from annotator.cli import cmd_open

    parser = build_parser()
    assert parser.parse_args([]).command is None
    args = parser.parse_args(["open"])  # what main() parses then
    assert args.func is cmd_open.run and args.project is None


def test_a_parser_declares_a_command_once() -> None:
    parser = build_parser()
    first = parser.parse_args(["info", "P", "--json"])
    again = parser.parse_args(["info", "Q"])
    assert (first.project, first.json, again.project, again.json) == ("P", True, "Q", False)
