"""A regex rule that backtracks without end is stopped on each document after
RULE_SECONDS, named in a message; the other suggestions still come."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from annotator.core.schema import parse_schema
from annotator.core.suggest import RULE_SECONDS, SuggestConfig, Suggester
from annotator.core.suggest.entities import rule_suggestions
from annotator.io.assist_config import parse_assist
from annotator.io.errors import ProjectProblem
from annotator.io.project import create_project

SCHEMA = parse_schema(
    {"labels": [{"name": "Person", "kind": "entity"}, {"name": "Other", "kind": "entity"}]}
)
EVIL = r"(a|aa)+$"
"""Exponential in the length of a run of a's that does not end the text."""
TEXT = "Antony Blinken met the press. " + "a" * 60 + "!"


def _fail(path: tuple[str | int, ...], message: str) -> Exception:
    return ProjectProblem("project.yaml", f"{'.'.join(map(str, path))}: {message}", 7)


def _rules(*patterns: str) -> Any:
    raw = {"rules": [{"label": "Other", "pattern": p} for p in patterns]}
    return parse_assist(raw, Path("."), SCHEMA, _fail).rules


def test_a_backtracking_rule_is_stopped_and_named() -> None:
    evil, good = _rules(EVIL, r"Blinken")
    problems: list[str] = []
    started = time.perf_counter()
    found = rule_suggestions(TEXT, [evil, good], problems, seconds=0.2)
    assert time.perf_counter() - started < 2
    assert [(s.text, s.label) for s in found] == [("Blinken", "Other")]
    assert len(problems) == 1
    assert problems[0].startswith("project.yaml:7: assist.rules.0.pattern: rule Other '(a|aa)+$'")
    assert "stopped after 0.2 s on this document" in problems[0]


def test_the_suggester_keeps_the_rest_and_reports_the_rule() -> None:
    config = SuggestConfig(rules=_rules(EVIL, r"(?P<span>Blinken)"))
    started = time.perf_counter()
    found = Suggester(SCHEMA, config).suggest(TEXT)
    assert time.perf_counter() - started < RULE_SECONDS + 2
    assert [s.text for s in found if s.source == "rule"] == ["Blinken"]
    assert len(found.problems) == 1 and "rule Other" in found.problems[0]


def test_rules_mean_what_python_re_makes_of_them() -> None:
    (rule,) = _rules(r"\b(?:COVID|Covid)-19\b")
    assert [s.text for s in rule_suggestions("Covid-19 and COVID-19", [rule])] == [
        "Covid-19",
        "COVID-19",
    ]
    with pytest.raises(ProjectProblem, match="not a valid regular expression"):
        _rules(r"(?P<x>a")


def test_suggest_command_names_the_rule_and_exits_1(tmp_path: Path) -> None:
    project = create_project(tmp_path / "p").directory
    config = project / "project.yaml"
    text = config.read_text()
    config.write_text(
        text + f"assist:\n  rules:\n    - {{label: Other, pattern: '{EVIL}'}}\n"
        "    - {label: Person, pattern: 'Blinken'}\n"
    )
    article = tmp_path / "a.txt"
    article.write_text(TEXT + "\n")
    assert subprocess.run([sys.executable, "-m", "annotator", "import", str(project), str(article)],
                          capture_output=True, timeout=60).returncode == 0  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "suggest", str(project), "--as", "ana"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.perf_counter() - started < 30
    assert done.returncode == 1, done.stderr
    line = text.count("\n") + 3
    assert f"document 1: {config}:{line}: assist.rules.0.pattern: rule Other" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Blinken" in done.stdout
