"""`annotator backup` and `annotator restore`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from annotator.io.backup import backup_time, list_backups, make_backup, restore_backup
from annotator.io.errors import ProjectProblem
from annotator.io.project import load_project
from annotator.store.db import sqlite_path


def register(sub: Any) -> None:
    backup = sub.add_parser(
        "backup",
        help="copy a project's database now",
        description=(
            "Copy the project's database into PROJECT/backups/ (or to --to FILE). SQLite "
            "projects are also backed up automatically when opened, at most once a day, "
            "keeping the last 7 (settings.backups_keep in project.yaml). A PostgreSQL "
            "project is copied into a SQLite file with the same tables."
        ),
    )
    backup.add_argument("project", metavar="PROJECT", help="project folder")
    backup.add_argument("--to", metavar="FILE", type=Path, help="write the copy here instead")
    backup.add_argument("--list", action="store_true", help="list the backups instead")
    backup.set_defaults(func=run_backup)

    restore = sub.add_parser(
        "restore",
        help="put a backup in place of a SQLite project's database",
        description=(
            "Replace the project's SQLite database by a backup (default: the newest in "
            "PROJECT/backups/). The backup is checked first (PRAGMA integrity_check); the "
            "current database is kept beside it as annotator.before-restore-TIME.sqlite. "
            "Refused while any window or command has the project open: close them first."
        ),
    )
    restore.add_argument("project", metavar="PROJECT", help="project folder")
    restore.add_argument("backup", metavar="BACKUP", nargs="?", type=Path, help="backup file")
    restore.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    if args.list:
        for path in list_backups(project.directory):
            when = backup_time(path)
            print(f"{when:%Y-%m-%d %H:%M:%S UTC}  {path}" if when else str(path))
        return 0
    db = project.open_database()
    try:
        target = make_backup(db, project.directory, args.to)
    finally:
        db.close()
    print(f"Backed up to {target}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    # project.yaml may be fine while the database is damaged: do not open the database.
    project = load_project(args.project)
    database_file = sqlite_path(project.database_url)
    if database_file is None:
        raise ProjectProblem(
            project.config_path, "restore works on SQLite projects; use the server's own tools"
        )
    backup = args.backup
    if backup is None:
        backups = list_backups(project.directory)
        if not backups:
            raise ProjectProblem(project.directory, "has no backups")
        backup = backups[-1]
    kept = restore_backup(database_file, backup)
    print(f"Restored {database_file} from {backup}")
    if kept is not None:
        print(f"The database it replaced is kept as {kept}")
    return 0
