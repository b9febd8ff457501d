"""`annotator docs PROJECT`: list documents."""

from __future__ import annotations

import argparse

from annotator.cli.output import print_json, print_table


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List the documents: id, title, source, length in characters, spans per "
        "annotator and each annotator's status (new, in_progress, done)."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.documents import list_documents
    from annotator.app.workspace import Workspace

    workspace = Workspace.open(args.project)
    assert workspace.db is not None  # just opened
    try:
        docs = list_documents(workspace.db)
    finally:
        workspace.close()
    if args.json:
        print_json(
            [
                {
                    "id": d.id,
                    "title": d.title,
                    "source": d.source,
                    "length": d.length,
                    "spans": d.spans_by_annotator,
                    "status": d.status_by_annotator,
                }
                for d in docs
            ]
        )
        return 0
    rows = [
        (
            d.id,
            _clip(d.title, 50),
            _clip(d.source, 30),
            d.length,
            ", ".join(f"{k}:{v}" for k, v in sorted(d.spans_by_annotator.items())) or "-",
            ", ".join(f"{k}:{v}" for k, v in sorted(d.status_by_annotator.items())) or "new",
        )
        for d in docs
    ]
    print_table(("id", "title", "source", "chars", "spans", "status"), rows)
    return 0


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
