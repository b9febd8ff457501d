"""Who reviews: the people of a project's database and their roles, and a
reviewer changing them (docs/review.md, "Roles and assignments"). What
``annotator roles`` does.

Roles live in the database; project.yaml's ``reviewers`` only seed a database
that has none, so a difference between the two is reported, never applied.
Only a reviewer changes roles (the first of a database that has none
excepted), the last reviewer stays one, and every change is in the change
log. Free of Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from annotator.app.review import unknown_people
from annotator.app.workspace import Workspace
from annotator.core.errors import PermissionDenied

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from annotator.io.project import Project
    from annotator.store.db import Database

__all__ = ["RoleName", "TeamRoles", "change_roles", "team_roles"]

RoleName = Literal["annotator", "reviewer"]


@dataclass(frozen=True, slots=True)
class TeamRoles:
    """Everyone's role in the database, and how project.yaml's reviewers differ."""

    people: list[tuple[str, str]]
    """(name, role) of everyone in the database, by name; not the gold layer."""
    difference: str | None
    """How project.yaml names other reviewers than the database has (None: the same)."""

    @property
    def reviewers(self) -> list[str]:
        return [name for name, role in self.people if role == "reviewer"]


def team_roles(workspace: Workspace) -> TeamRoles:
    """The roles as the database has them, read in one transaction."""
    db, project = _open(workspace)
    with db.reader() as session:
        return _read(session, project)


def change_roles(
    workspace: Workspace, changes: Sequence[tuple[str, RoleName]], *, by: str
) -> TeamRoles:
    """Give each (name, role) its role, as the reviewer ``by``, in one
    transaction; returns the roles after it.

    Promotions go first, so a reviewer can hand over the last reviewer's role.
    Refused as a whole (:class:`PermissionDenied`, nothing changed) when ``by``
    is not a reviewer, the last reviewer would be demoted, a name is not one a
    person can have, or project.yaml lists its people and a new name is not
    among them.
    """
    from annotator.store import repository

    db, project = _open(workspace)
    with db.session() as session:
        known = repository.annotator_names(session)
        problem = unknown_people(project, [name for name, _ in changes if name not in known])
        if problem:
            raise PermissionDenied(problem)
        for name, role in sorted(changes, key=lambda change: change[1] != "reviewer"):
            repository.change_role(session, name, role, by=by)
        return _read(session, project)


def _read(session: Session, project: Project) -> TeamRoles:
    from annotator.store import repository

    return TeamRoles(
        repository.people_roles(session),
        repository.roles_difference(session, project.reviewers),
    )


def _open(workspace: Workspace) -> tuple[Database, Project]:
    if workspace.db is None or workspace.project is None:
        raise ValueError("no project is open")
    return workspace.db, workspace.project
