"""`annotator copy SRC DEST`: a project with everything in it, to another database."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Copy a project with everything in it (documents, spans, relations, statuses, "
        "roles, the change log) into a new project folder DEST. Its data goes into an "
        "SQLite file in DEST, or with --db into a database server (which must be empty), "
        "for example to move a project from SQLite to the team's PostgreSQL database or "
        "back."
    )
    parser.add_argument("source", metavar="SRC", help="project folder to copy")
    parser.add_argument("dest", metavar="DEST", type=Path, help="new project folder")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="put DEST's data in this (empty) database (no passwords: use PGPASSWORD, "
        "~/.pgpass or a service file)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.maintenance import copy_project

    copied = copy_project(args.source, args.dest, args.db)
    print(f"Copied {copied.source_name!r} to {copied.project.directory}:")
    width = max(map(len, copied.rows), default=0)
    for table, rows in copied.rows.items():
        print(f"  {table:<{width}} {rows:>11,} rows")
    return 0
