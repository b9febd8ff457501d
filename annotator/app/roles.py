"""Roles in an open project (docs/review.md, "Roles and assignments"): the
analyst's own, as the window needs it when it opens one; everyone's, and a
reviewer changing them, as ``annotator roles`` does.

Roles live in the database; project.yaml's ``reviewers`` only seed a database
that has none, so a difference between the two is reported, never applied.
Only a reviewer changes roles (the first of a database that has none
excepted), the last reviewer stays one, and every change is in the change
log. Free of Qt; the database layer is imported only when asked, so the
window can show itself before SQLAlchemy is loaded (docs/design.md, "Start-up").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from annotator.app.workspace import Workspace
from annotator.core.errors import PermissionDenied

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from annotator.io.project import Project
    from annotator.store.db import Database

__all__ = ["Role", "RoleName", "TeamRoles", "change_roles", "role_in", "team_roles"]

RoleName = Literal["annotator", "reviewer"]


@dataclass(frozen=True, slots=True)
class Role:
    """Someone's role in the database, and how project.yaml's reviewers differ."""

    name: str
    """``"annotator"`` or ``"reviewer"``."""
    roles_note: str | None = None
    """How project.yaml names other reviewers than the database has (None: the same)."""

    @property
    def is_reviewer(self) -> bool:
        """A reviewer also writes the gold layer."""
        return self.name == "reviewer"


def role_in(workspace: Workspace, user: str) -> Role:
    """``user``'s role in the workspace's database, read in one transaction."""
    from annotator.store.repository import role_of, roles_difference

    if workspace.db is None or workspace.project is None:
        raise ValueError("no project is open")
    with workspace.db.reader() as session:
        return Role(
            role_of(session, user),
            roles_difference(session, workspace.project.reviewers),
        )


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
    db, project = _opened(workspace)
    with db.reader() as session:
        return _read(session, project)


def change_roles(
    workspace: Workspace, changes: Sequence[tuple[str, RoleName]], *, by: str
) -> TeamRoles:
    """Give each (name, role) its role, as the reviewer ``by``, in one
    transaction, each change logged; returns the roles after it.

    Promotions go first, so a reviewer can hand over the last reviewer's role.
    Refused as a whole (:class:`PermissionDenied`, nothing changed) when ``by``
    is not a reviewer, the last reviewer would be demoted, a name is not one a
    person can have, or project.yaml lists its people and a new name is not
    among them.
    """
    from annotator.app.review import unknown_people
    from annotator.store import repository

    db, project = _opened(workspace)
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


def _opened(workspace: Workspace) -> tuple[Database, Project]:
    if workspace.db is None or workspace.project is None:
        raise ValueError("no project is open")
    return workspace.db, workspace.project
