"""`annotator copy SRC DEST`: a project with everything in it, to another database."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from annotator.io.errors import ProjectProblem
from annotator.io.project import (
    PROJECT_FILE,
    Project,
    check_database_url,
    load_project,
    save_project,
)
from annotator.store.copy import TargetNotEmpty, copy_database


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "copy",
        help="copy a project to another folder or database (SQLite <-> PostgreSQL)",
        description=(
            "Copy a project with everything in it (documents, spans, relations, statuses, "
            "roles, the change log) into a new project folder DEST. Its data goes into an "
            "SQLite file in DEST, or with --db into a database server (which must be empty), "
            "for example to move a project from SQLite to the team's PostgreSQL database or "
            "back."
        ),
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
    dest: Path = args.dest
    if args.db:
        check_database_url(args.db, dest / PROJECT_FILE)  # as `new` does
    source_project = load_project(args.source)
    if (dest / PROJECT_FILE).exists():
        raise ProjectProblem(dest / PROJECT_FILE, "a project already exists here")
    made_folder = not dest.exists()
    target_project = Project(
        directory=dest.resolve(),
        name=source_project.name,
        schema=source_project.schema,
        database=args.db or "annotator.sqlite",
        description=source_project.description,
        settings=dict(source_project.settings),
        annotators=list(source_project.annotators),
    )  # no reviewers yet: seeding them would leave the target not empty
    source = source_project.open_database()
    try:
        dest.mkdir(parents=True, exist_ok=True)
        target = target_project.open_database(create=True)
        try:
            counts = copy_database(source, target)
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
    print(f"Copied {source_project.name!r} to {target_project.directory}:")
    for table, rows in counts.items():
        print(f"  {table:<16} {rows:>9,} rows")
    return 0
