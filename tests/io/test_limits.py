"""Hostile input is refused at once with one line naming the file: YAML bombs,
special files, files over the size limit, archives that expand without end."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

from annotator.io.errors import InputProblem, ProjectProblem
from annotator.io.project import create_project, load_project

BOMB = """\
version: 1
name: bomb
schema:
  labels: [{name: A, kind: entity}]
description: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
x: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
y: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
z: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
w: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
v: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
u: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_yaml_alias_bomb_is_refused_at_once_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text(BOMB)
    before = _peak_rss_mb()
    started = time.perf_counter()
    with pytest.raises(ProjectProblem) as caught:
        load_project(tmp_path)
    assert time.perf_counter() - started < 2
    assert _peak_rss_mb() - before < 50
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'project.yaml'}:")
    assert "aliases expanded" in message
    assert caught.value.line is not None and 6 <= caught.value.line <= 11


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text(
        "name: loop\nschema:\n  labels: [{name: A, kind: entity}]\ndescription: &a [1, *a]\n"
    )
    with pytest.raises(ProjectProblem, match="inside its own anchor") as caught:
        load_project(tmp_path)
    assert caught.value.line == 4


def test_deep_nesting_is_refused_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text(
        "name: deep\nschema:\n  labels: [{name: A, kind: entity}]\ndescription: "
        + "[" * 5000
        + "]" * 5000
        + "\n"
    )
    with pytest.raises(ProjectProblem, match="nested over"):
        load_project(tmp_path)


def test_modest_aliases_still_work(tmp_path: Path) -> None:
    create_project(tmp_path / "p")
    config = tmp_path / "p" / "project.yaml"
    config.write_text(config.read_text() + "annotators: &team [ana, ben]\nreviewers: *team\n")
    project = load_project(tmp_path / "p")
    assert project.annotators == ["ana", "ben"] and project.reviewers == ["ana", "ben"]


def test_a_huge_project_yaml_is_refused_unread(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    config.write_text("name: big\n" + "# padding\n" * 200_000)
    with pytest.raises(ProjectProblem, match=r"over the limit of 1\.0 MB"):
        load_project(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_project_yaml_that_is_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "project.yaml")
    with pytest.raises(ProjectProblem, match="not a regular file"):
        load_project(tmp_path)


def test_markdown_front_matter_bomb_is_one_problem(tmp_path: Path) -> None:
    from annotator.io.readers import FoundFile, read_file

    front = BOMB.split("description: ", 1)[1].replace("x:", "b:")
    path = tmp_path / "bomb.md"
    path.write_text(f"---\nlist: {front}---\n# Title\n\nBody text.\n")
    started = time.perf_counter()
    with pytest.raises(InputProblem, match="aliases expanded"):
        read_file(FoundFile(path, "bomb.md"))
    assert time.perf_counter() - started < 2
