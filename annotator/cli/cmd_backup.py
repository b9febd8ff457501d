"""`annotator backup PROJECT`: copy the project's database now."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Copy the project's database into PROJECT/backups/ (or to --to FILE). SQLite "
        "projects are also backed up automatically when opened, at most once a day, "
        "keeping the last 7 (settings.backups_keep in project.yaml). A PostgreSQL "
        "project is copied into a SQLite file with the same tables."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--to", metavar="FILE", type=Path, help="write the copy here instead")
    parser.add_argument("--list", action="store_true", help="list the backups instead")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.maintenance import backup_time, list_backups, make_backup
    from annotator.app.project import load_project

    project = load_project(args.project)
    if args.list:
        for path in list_backups(project):
            when = backup_time(path)
            print(f"{when:%Y-%m-%d %H:%M:%S UTC}  {path}" if when else str(path))
        return 0
    target = make_backup(project, args.to)
    print(f"Backed up to {target}")
    return 0
