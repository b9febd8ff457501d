"""The analyst's role as the window reads it when it opens a project
(annotator/app/roles.py), without Qt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app.roles import Role, role_in
from annotator.app.workspace import Workspace
from annotator.store import repository


@pytest.fixture
def workspace(project_dir: Path) -> Iterator[Workspace]:
    ws = Workspace.open(project_dir)
    assert ws.db is not None
    with ws.db.session() as s:
        repository.change_role(s, "rita", "reviewer", by="rita")  # the first reviewer
    yield ws
    ws.close()


def test_the_databases_role_holds(workspace: Workspace) -> None:
    assert workspace.project is not None
    workspace.project.reviewers = ["rita"]  # project.yaml agrees with the database
    assert role_in(workspace, "rita") == Role("reviewer")
    assert role_in(workspace, "rita").is_reviewer
    assert role_in(workspace, "alice") == Role("annotator")
    assert not role_in(workspace, "alice").is_reviewer


def test_a_difference_with_project_yaml_is_reported_not_applied(workspace: Workspace) -> None:
    assert workspace.project is not None
    workspace.project.reviewers = ["alice"]
    role = role_in(workspace, "alice")
    assert role.name == "annotator"  # project.yaml does not make alice a reviewer
    assert role.roles_note is not None
    assert "reviewers alice" in role.roles_note and "the database has rita" in role.roles_note


def test_no_project_open() -> None:
    with pytest.raises(ValueError, match="no project is open"):
        role_in(Workspace(None), "alice")
