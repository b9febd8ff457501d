"""Who reviews, through the application package (annotator/app/roles.py),
without Qt and without the command line, on SQLite and PostgreSQL: the roles as the
database has them, a reviewer changing them in one transaction (logged), and
the refusals (a non-reviewer, the last reviewer, someone project.yaml does not
list), each of which changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app.project import load_project, save_project
from annotator.app.roles import TeamRoles, change_roles, team_roles
from annotator.app.workspace import Workspace
from annotator.core.changes import Action
from annotator.core.errors import PermissionDenied
from annotator.store import repository


@pytest.fixture
def workspace(project_dir: Path) -> Iterator[Workspace]:
    """project.yaml lists alice and bob as annotators and rita as reviewer;
    opening the database seeds rita as its reviewer."""
    project = load_project(project_dir)
    project.annotators = ["alice", "bob"]
    project.reviewers = ["rita"]
    save_project(project)
    opened = Workspace.open(project_dir)
    yield opened
    opened.close()


def roles_on_disk(project_dir: Path) -> dict[str, str]:
    """Read again through a second workspace: what was committed."""
    other = Workspace.open(project_dir)
    try:
        return dict(team_roles(other).people)
    finally:
        other.close()


def test_the_roles_are_the_databases(workspace: Workspace) -> None:
    roles = team_roles(workspace)
    assert roles == TeamRoles([("rita", "reviewer")], None)
    assert roles.reviewers == ["rita"]


def test_a_difference_with_project_yaml_is_reported_not_applied(workspace: Workspace) -> None:
    assert workspace.project is not None
    workspace.project.reviewers = ["alice"]
    roles = team_roles(workspace)
    assert roles.reviewers == ["rita"]
    assert roles.difference is not None
    assert "reviewers alice" in roles.difference and "the database has rita" in roles.difference


def test_a_reviewer_makes_someone_a_reviewer_and_it_is_logged(
    workspace: Workspace, project_dir: Path
) -> None:
    roles = change_roles(workspace, [("alice", "reviewer")], by="rita")
    assert roles.reviewers == ["alice", "rita"]
    assert roles_on_disk(project_dir) == {"alice": "reviewer", "rita": "reviewer"}
    assert workspace.db is not None
    with workspace.db.reader() as session:
        (record,) = [r for r in repository.change_records(session) if r.action is Action.ROLE]
    assert record.editor == "rita"
    assert (record.before, record.after) == (
        {"name": "alice", "role": "annotator"},
        {"name": "alice", "role": "reviewer"},
    )


def test_the_last_reviewer_hands_over_in_one_call(workspace: Workspace, project_dir: Path) -> None:
    # Demotion named first: promotions still go first, so rita is not the last one.
    roles = change_roles(workspace, [("rita", "annotator"), ("bob", "reviewer")], by="rita")
    assert roles.reviewers == ["bob"]
    assert roles_on_disk(project_dir) == {"bob": "reviewer", "rita": "annotator"}


def test_a_non_reviewer_is_refused_and_nothing_changes(
    workspace: Workspace, project_dir: Path
) -> None:
    with pytest.raises(PermissionDenied, match="alice may not change roles"):
        change_roles(workspace, [("alice", "reviewer")], by="alice")
    assert roles_on_disk(project_dir) == {"rita": "reviewer"}


def test_the_last_reviewer_stays(workspace: Workspace, project_dir: Path) -> None:
    with pytest.raises(PermissionDenied, match="rita is the only reviewer"):
        change_roles(workspace, [("rita", "annotator")], by="rita")
    assert roles_on_disk(project_dir) == {"rita": "reviewer"}


def test_someone_project_yaml_does_not_list_refuses_the_whole_change(
    workspace: Workspace, project_dir: Path
) -> None:
    with pytest.raises(PermissionDenied, match="'mallory' is not one of the project's"):
        change_roles(workspace, [("alice", "reviewer"), ("mallory", "reviewer")], by="rita")
    assert roles_on_disk(project_dir) == {"rita": "reviewer"}  # alice was not promoted either


def test_no_project_open() -> None:
    with pytest.raises(ValueError, match="no project is open"):
        team_roles(Workspace(None))
    with pytest.raises(ValueError, match="no project is open"):
        change_roles(Workspace(None), [("alice", "reviewer")], by="rita")
