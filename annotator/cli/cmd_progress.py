"""`annotator progress PROJECT`: documents done and spans per label, per annotator."""

from __future__ import annotations

import argparse

from annotator.cli.output import print_json, print_table

BAR_WIDTH = 20


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Progress of the project: per annotator, the documents assigned and how "
        "many of those are done, documents done and in progress in all, and spans; "
        "then the spans per label and annotator. Everyone listed in project.yaml "
        "appears, with zeros before they start; gold (the adjudicated layer) last."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def _bar(value: int, total: int) -> str:
    if total <= 0:
        return ""
    filled = round(BAR_WIDTH * value / total)
    return "#" * filled + "." * (BAR_WIDTH - filled)


def run(args: argparse.Namespace) -> int:
    from annotator.app import review
    from annotator.app.workspace import Workspace

    workspace = Workspace.open(args.project)
    assert workspace.db is not None and workspace.project is not None  # just opened
    try:
        figures = review.progress(workspace.db, review.project_people(workspace.project))
    finally:
        workspace.close()
    if args.json:
        print_json(figures.to_json())
        return 0
    print(f"Progress over {figures.documents} documents")
    print()
    print_table(
        (
            "annotator",
            "role",
            "assigned",
            "assigned done",
            "done",
            "in progress",
            "spans",
            "progress",
        ),
        [
            (
                a.name,
                a.role,
                a.assigned,
                a.assigned_done,
                a.done,
                a.in_progress,
                a.spans,
                _bar(a.done, figures.documents),
            )
            for a in figures.annotators
        ],
    )
    if figures.labels:
        names = [a.name for a in figures.annotators]
        print()
        print_table(
            ("label", *names),
            [
                (label, *(figures.spans_by_label[n].get(label, 0) for n in names))
                for label in figures.labels
            ],
        )
    return 0
