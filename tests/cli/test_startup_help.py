"""The command line's help, usage errors and exit codes stay exactly what they
were before the commands were loaded lazily (issue 14).

tests/cli/fixtures/help/ holds what each case printed (stdout, stderr, exit
code) when the command line still imported every command at start-up; they
were written by this module (`python -m tests.cli.test_startup_help --write`)
from that code. Rewrite them only when a help text is changed on purpose.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import pytest

from annotator.cli.app import main

FIXTURES = Path(__file__).parent / "fixtures" / "help"
COLUMNS = "80"  # argparse wraps help to the terminal's width

COMMANDS = (
    "new",
    "import",
    "docs",
    "info",
    "open",
    "agreement",
    "export",
    "migrate",
    "copy",
    "backup",
    "restore",
    "assign",
    "roles",
    "comments",
    "progress",
    "adjudicate",
    "suggest",
    "search",
    "entities",
    "install-desktop",
)
RUN_WITHOUT_ARGUMENTS = {"open", "install-desktop"}  # would open a window, install

CASES: dict[str, list[str]] = {
    "help": ["--help"],
    "h": ["-h"],
    "version": ["--version"],
    "unknown-command": ["bogus"],
    "unknown-option": ["--bogus"],
    "unrecognized-after-command": ["info", "P", "--extra"],
    "bad-choice": ["import", "P", "x", "--format", "nope"],
    "bad-type": ["export", "P", "-o", "x", "--doc", "one"],
    "missing-required-option": ["adjudicate", "P", "--doc", "1"],
    "exclusive-group": ["assign", "P"],
    "help-after-arguments": ["export", "P", "--help"],
    **{f"{name}--help": [name, "--help"] for name in COMMANDS},
    **{f"{name}-no-arguments": [name] for name in COMMANDS if name not in RUN_WITHOUT_ARGUMENTS},
}


def capture(argv: list[str]) -> str:
    """What `annotator ARGV` prints and its exit code, as one text."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return (
        f"$ annotator {' '.join(argv)}\nexit {code}\n"
        f"--- stdout\n{out.getvalue()}--- stderr\n{err.getvalue()}"
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_output_as_before(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", COLUMNS)
    expected = (FIXTURES / f"{case}.txt").read_text(encoding="utf-8")
    assert capture(CASES[case]) == expected


def test_every_fixture_is_a_case() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.txt")) == sorted(CASES)


def _write() -> None:
    os.environ["COLUMNS"] = COLUMNS
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for case, argv in CASES.items():
        (FIXTURES / f"{case}.txt").write_text(capture(argv), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.cli.test_startup_help --write")
    _write()
