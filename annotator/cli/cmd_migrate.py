"""`annotator migrate PROJECT`: upgrade an older database."""

from __future__ import annotations

import argparse
from typing import Any

from annotator.io.project import load_project
from annotator.store.db import HEAD_REVISION


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "migrate",
        help="upgrade a project's database to this program's version",
        description=(
            "Upgrade an older project database (SQLite or PostgreSQL) with Alembic. "
            "A SQLite file is copied first (annotator.before-migration-VERSION-TIME.sqlite); "
            "SQLite projects are also upgraded this way when opened. A database newer than "
            "this program is refused."
        ),
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    db = load_project(args.project).open_database(migrate=True)
    try:
        if db.migrated_from is None:
            print(f"The database is up to date (schema {HEAD_REVISION}).")
        else:
            print(f"Upgraded the database from schema {db.migrated_from} to {HEAD_REVISION}.")
        if db.backup is not None:
            print(f"Copy of the old database: {db.backup}")
    finally:
        db.close()
    return 0
