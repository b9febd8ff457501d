"""`annotator open [PROJECT]`: the annotation window."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "open",
        help="open the annotation window",
        description=(
            "Open the annotation window on a project; without PROJECT, the last "
            "project opened, or the sample project."
        ),
    )
    parser.add_argument("project", metavar="PROJECT", nargs="?", help="project folder")
    parser.add_argument(
        "--user", metavar="NAME", help="annotate as NAME (default: your saved name)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.ui.app import run_app

    code: int = run_app(args.project, user=args.user)
    return code
