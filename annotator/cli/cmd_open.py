"""`annotator open [PROJECT]`: the annotation window."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Open the annotation window on a project (a folder, or its project.yaml); "
        "without PROJECT, the last project opened, or else the welcome screen."
    )
    parser.add_argument("project", metavar="PROJECT", nargs="?", help="project folder")
    parser.add_argument(
        "--user", metavar="NAME", help="annotate as NAME (default: your saved name)"
    )
    parser.add_argument(
        "--quit-after",
        metavar="MS",
        type=int,
        help=(
            "for testing: close the window and quit MS milliseconds after it opens "
            "(smoke tests of a build run it offscreen: QT_QPA_PLATFORM=offscreen)"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.ui.app import run_app

    code: int = run_app(args.project, user=args.user, quit_after_ms=args.quit_after)
    return code
