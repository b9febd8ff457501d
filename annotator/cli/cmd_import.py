"""`annotator import PROJECT PATH...`: add articles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from annotator.cli.output import warn
from annotator.io.importer import import_paths
from annotator.io.project import load_project
from annotator.io.readers import READERS


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "import",
        help="add articles from files and folders",
        description=(
            "Add articles to a project from files and folders (searched recursively): "
            f"{', '.join(sorted(READERS))}. HTML pages give their main article text, "
            "title, date and URL; JSONL files hold one document per line ('text' plus "
            "any metadata fields). An article already in the project is not added twice. "
            "Exit code 0 when everything went in, 1 when some files or lines failed, "
            "2 when the project cannot be used."
        ),
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("paths", metavar="PATH", nargs="+", type=Path, help="files or folders")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    db = project.open_database()
    try:
        report = import_paths(db, args.paths)
    finally:
        db.close()
    for problem in report.problems:
        warn(str(problem))
    if not args.quiet:
        for path in report.skipped:
            print(f"skipped {path}: not an article file type", file=sys.stderr)
        print(
            f"Imported {len(report.added)} document(s); "
            f"{len(report.duplicates)} already in the project; "
            f"{len(report.problems)} problem(s); {len(report.skipped)} file(s) skipped."
        )
    return report.exit_code
