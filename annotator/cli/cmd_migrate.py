"""`annotator migrate PROJECT`: upgrade an older database."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Upgrade an older project database (SQLite or PostgreSQL) with Alembic. "
        "A SQLite file is copied first (annotator.before-migration-VERSION-TIME.sqlite); "
        "SQLite projects are also upgraded this way when opened. A database newer than "
        "this program is refused."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.maintenance import migrate

    done = migrate(args.project)
    if done.from_revision is None:
        print(f"The database is up to date (schema {done.to_revision}).")
    else:
        print(f"Upgraded the database from schema {done.from_revision} to {done.to_revision}.")
    if done.backup is not None:
        print(f"Copy of the old database: {done.backup}")
    return 0
