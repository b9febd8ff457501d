"""`annotator restore PROJECT [BACKUP]`: put a backup in place of the database."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Replace the project's SQLite database by a backup (default: the newest in "
        "PROJECT/backups/). The backup is checked first (PRAGMA integrity_check); the "
        "current database is kept beside it as annotator.before-restore-TIME.sqlite. "
        "Refused while any window or command has the project open: close them first."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("backup", metavar="BACKUP", nargs="?", type=Path, help="backup file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.maintenance import restore
    from annotator.app.project import load_project

    done = restore(load_project(args.project), args.backup)  # the database is not opened
    print(f"Restored {done.database_file} from {done.backup}")
    if done.kept is not None:
        print(f"The database it replaced is kept as {done.kept}")
    return 0
