"""Looking after a project's database: backups, restore, copy, migration
(docs/design.md, "Application package"). What ``annotator backup``,
``restore``, ``copy`` and ``migrate`` do, and what the window offers when a
database cannot be opened (the latest backup).

Operations take a project (:class:`~annotator.app.project.Project`), a
project folder or an open :class:`~annotator.app.workspace.Workspace`;
problems are :class:`~annotator.core.errors.ProjectProblem` naming the file.
The database layer is imported only when an operation runs, so a window may
import this module at start-up (docs/design.md, "Start-up"). Free of Qt.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from annotator.app.workspace import Workspace
from annotator.core.errors import ProjectProblem

if TYPE_CHECKING:
    from annotator.io.project import Project

__all__ = [
    "CopiedProject",
    "Migration",
    "Restored",
    "backup_time",
    "copy_project",
    "latest_backup",
    "list_backups",
    "make_backup",
    "migrate",
    "restore",
]


# Backups


def list_backups(project: Project) -> list[Path]:
    """The project's backups in PROJECT/backups/, oldest first."""
    from annotator.io import backup

    return backup.list_backups(project.directory)


def backup_time(path: Path) -> datetime | None:
    """When a backup in backups/ was made (UTC), from its name; None for another name."""
    from annotator.io import backup

    return backup.backup_time(path)


def latest_backup(project: Project) -> Path | None:
    """The backup :func:`restore` puts in place by default: the newest one of
    an SQLite project (None: a server's project, or no backups)."""
    from annotator.store.db import sqlite_path

    if sqlite_path(project.database_url) is None:
        return None
    backups = list_backups(project)
    return backups[-1] if backups else None


def make_backup(source: Workspace | Project, to: Path | None = None) -> Path:
    """Copy the database of an open workspace, or of a project (opened for the
    copy and closed), into PROJECT/backups/ or to ``to``; returns the copy.

    A server's database is copied into an SQLite file with the same tables.
    """
    from annotator.io import backup

    if isinstance(source, Workspace):
        if source.db is None or source.project is None:
            raise ValueError("no project is open")
        return backup.make_backup(source.db, source.project.directory, to)
    db = source.open_database()
    try:
        return backup.make_backup(db, source.directory, to)
    finally:
        db.close()


class Restored(NamedTuple):
    database_file: Path
    """The SQLite file the backup replaced."""
    backup: Path
    """The backup put in its place."""
    kept: Path | None
    """Where the database it replaced was moved (None: there was none)."""


def restore(project: Project, backup: Path | None = None) -> Restored:
    """Put ``backup`` (default: the newest in backups/) in place of an SQLite
    project's database; the current file is kept beside it.

    The backup is checked first. Refused (ProjectProblem) for a server's
    project, a project without backups, a damaged backup, and while any
    program, this one included, has the database open. The database is not
    opened here: project.yaml may be fine while the database is damaged.
    """
    from annotator.io.backup import restore_backup
    from annotator.store.db import sqlite_path

    database_file = sqlite_path(project.database_url)
    if database_file is None:
        raise ProjectProblem(
            project.config_path, "restore works on SQLite projects; use the server's own tools"
        )
    if backup is None:
        backup = latest_backup(project)
        if backup is None:
            raise ProjectProblem(project.directory, "has no backups")
    kept = restore_backup(database_file, backup)
    return Restored(database_file, backup, kept)


# Copy and migration


@dataclass(frozen=True, slots=True)
class CopiedProject:
    source_name: str
    """The copied project's name (the copy has the same)."""
    project: Project
    """The new project."""
    rows: dict[str, int]
    """Rows copied, by table."""


def copy_project(source_dir: Path | str, dest: Path, db_url: str | None = None) -> CopiedProject:
    """Copy the project in ``source_dir`` with everything in it into a new
    project folder ``dest``: its data into an SQLite file there, or into the
    empty database at ``db_url``.

    Refused (ProjectProblem) when ``dest`` holds a project, the target
    database is not empty, or ``db_url`` holds a password; a folder made for
    the copy is removed again when it is refused.
    """
    from annotator.io.project import (
        DEFAULT_DATABASE,
        PROJECT_FILE,
        Project,
        check_database_url,
        load_project,
        save_project,
    )
    from annotator.store.copy import TargetNotEmpty, copy_database

    if db_url:
        check_database_url(db_url, dest / PROJECT_FILE)  # as `new` does
    source_project = load_project(source_dir)
    if (dest / PROJECT_FILE).exists():
        raise ProjectProblem(dest / PROJECT_FILE, "a project already exists here")
    if dest.exists() and not dest.is_dir():
        raise ProjectProblem(dest, "exists and is not a folder")
    made_folder = not dest.exists()
    target_project = Project(
        directory=dest.resolve(),
        name=source_project.name,
        schema=source_project.schema,
        database=db_url or DEFAULT_DATABASE,
        description=source_project.description,
        settings=dict(source_project.settings),
        annotators=list(source_project.annotators),
    )  # no reviewers yet: seeding them would leave the target not empty
    source = source_project.open_database()
    try:
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProjectProblem(dest, f"cannot create the folder ({exc.strerror or exc})") from exc
        target = target_project.open_database(create=True)
        try:
            rows = copy_database(source, target)
        except TargetNotEmpty as exc:
            raise ProjectProblem(dest, str(exc)) from exc
        finally:
            target.close()
    except ProjectProblem:
        if made_folder:
            shutil.rmtree(dest, ignore_errors=True)
        raise
    finally:
        source.close()
    target_project.reviewers = source_project.reviewers  # the copied roles hold
    save_project(target_project)
    return CopiedProject(source_project.name, target_project, rows)


@dataclass(frozen=True, slots=True)
class Migration:
    from_revision: str | None
    """The schema version the database had (None: it was up to date)."""
    to_revision: str
    """The schema version it has now, this program's."""
    backup: Path | None
    """The copy of an SQLite file made before upgrading it (None: none made)."""


def migrate(project_dir: Path | str) -> Migration:
    """Upgrade the project's database to this program's schema version (a
    SQLite file is copied first); a database newer than the program is refused."""
    from annotator.io.project import load_project
    from annotator.store.db import HEAD_REVISION

    db = load_project(project_dir).open_database(migrate=True)
    try:
        return Migration(db.migrated_from, HEAD_REVISION, db.backup)
    finally:
        db.close()
