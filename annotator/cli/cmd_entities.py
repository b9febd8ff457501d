"""`annotator entities PROJECT`: the project's entities and their mentions (issue 15)."""

from __future__ import annotations

import argparse

from annotator.cli.output import print_json, print_table


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "The project's entities (the people, organisations and other things its "
        "mentions refer to, across articles and annotators): id, name, label, "
        "external id, aliases, and how many mentions name each one in how many "
        "documents. Sorted by name."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--json", action="store_true", help="print JSON (a list of objects)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.entities import entity_rows
    from annotator.app.workspace import Workspace

    workspace = Workspace.open(args.project)
    try:
        summaries = entity_rows(workspace)
    finally:
        workspace.close()
    if args.json:
        print_json([s.to_json() for s in summaries])
        return 0
    if not summaries:
        print("No entities in this project")
        return 0
    print_table(
        ("id", "name", "label", "external id", "aliases", "mentions", "documents"),
        [
            (
                s.entity.id,
                s.entity.name,
                s.entity.label,
                s.entity.external_id,
                "; ".join(s.entity.aliases),
                s.mentions,
                s.documents,
            )
            for s in summaries
        ],
    )
    return 0
