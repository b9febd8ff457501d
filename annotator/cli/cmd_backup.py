"""`annotator backup` and `annotator restore`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from annotator.app.maintenance import backup_time, list_backups, make_backup, restore
from annotator.app.project import load_project


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
        for path in list_backups(project):
            when = backup_time(path)
            print(f"{when:%Y-%m-%d %H:%M:%S UTC}  {path}" if when else str(path))
        return 0
    target = make_backup(project, args.to)
    print(f"Backed up to {target}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    done = restore(load_project(args.project), args.backup)  # the database is not opened
    print(f"Restored {done.database_file} from {done.backup}")
    if done.kept is not None:
        print(f"The database it replaced is kept as {done.kept}")
    return 0
