"""`annotator new DIR`: create a project."""

from __future__ import annotations

import argparse

from annotator.paths import builtin_schema_names


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Create a project folder with project.yaml (name, label schema, settings) "
        "and an SQLite database beside it. Edit the schema in project.yaml to make "
        "your own labels."
    )
    parser.add_argument("directory", metavar="DIR", help="folder to create (may exist, empty)")
    parser.add_argument(
        "--schema",
        default="news",
        metavar="NAME|FILE",
        help=f"built-in schema ({', '.join(builtin_schema_names())}) or a YAML file; default news",
    )
    parser.add_argument("--name", help="project name (default: the folder's name)")
    parser.add_argument(
        "--db",
        metavar="URL",
        help=(
            "keep the data in a database server, e.g. postgresql://user@host/dbname "
            "(${VAR} is expanded when the project opens; no passwords: use PGPASSWORD, "
            "~/.pgpass or a service file). The folder then holds only project.yaml."
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.project import create_project

    project = create_project(args.directory, schema=args.schema, name=args.name, database=args.db)
    labels = ", ".join(project.schema.label_names)
    print(f"Created project {project.name!r} in {project.directory}")
    print(f"Labels: {labels}")
    print(f"Next: annotator import {args.directory} ARTICLES...")
    return 0
