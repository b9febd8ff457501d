"""The analyst's role in an open project, as the window needs it when it opens
one (docs/review.md, "Roles and assignments").

Roles live in the database; project.yaml's ``reviewers`` only seed a database
that has none, so a difference between the two is reported, never applied.
Free of Qt; the database layer is imported only when asked, so the window can
show itself before SQLAlchemy is loaded (docs/design.md, "Start-up").
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.app.workspace import Workspace

__all__ = ["Role", "role_in"]


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
