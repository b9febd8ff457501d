"""`annotator adjudicate PROJECT --doc ID --accept-agreed A B --as REVIEWER` (issue 5)."""

from __future__ import annotations

import argparse
from typing import Any

from annotator.cli.output import warn
from annotator.core.adjudication import AcceptAgreed, outcome
from annotator.core.compare import Kind, compare_layers
from annotator.core.errors import NotFound, PermissionDenied
from annotator.core.model import GOLD_ANNOTATOR
from annotator.io.project import load_project
from annotator.store import repository
from annotator.store.review import ReviewEditStore

EXIT_USAGE = 2


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "adjudicate",
        help="accept the spans two annotators agree on into the gold layer",
        description=(
            "Batch adjudication: every span that annotators A and B both have in the "
            "document (same start, end and label) goes into the gold layer, unless gold "
            "has it already; one transaction. Only reviewers (project.yaml 'reviewers') "
            "may write gold. The rest is decided in the window's compare mode."
        ),
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--doc", type=int, required=True, metavar="ID", help="the document")
    parser.add_argument(
        "--accept-agreed",
        nargs=2,
        required=True,
        metavar=("A", "B"),
        help="the two annotators whose agreed spans are accepted",
    )
    parser.add_argument(
        "--as", dest="reviewer", required=True, metavar="REVIEWER", help="the reviewer deciding"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    a, b = args.accept_agreed
    if a == b:
        warn(f"--accept-agreed needs two different annotators, not {a} twice")
        return EXIT_USAGE
    project = load_project(args.project)
    db = project.open_database()
    try:
        with db.reader() as session:
            repository.get_document(session, args.doc)
            # Refused even when gold has every agreed span already.
            repository.check_can_write(session, GOLD_ANNOTATOR, args.reviewer)
            for name in (a, b):
                if name != GOLD_ANNOTATOR:
                    repository.annotator_id(session, name, create=False)
            items = compare_layers(
                repository.list_spans(session, args.doc, [a]),
                repository.list_spans(session, args.doc, [b]),
            )
        command = AcceptAgreed(args.doc, items, args.reviewer)
        if command.add:
            command.do(ReviewEditStore(db))
    except (NotFound, PermissionDenied) as exc:
        warn(str(exc))
        return EXIT_USAGE
    finally:
        db.close()
    result = outcome(command)
    open_items = sum(1 for item in items if item.kind is not Kind.SAME)
    if not result.agreed:
        print(f"{a} and {b} agree on no span in document {args.doc}: nothing to accept")
        return 0
    there = f" ({result.already_there} already were)" if result.already_there else ""
    print(
        f"Accepted {result.added} of {result.agreed} span{'s' if result.agreed != 1 else ''} "
        f"{a} and {b} agree on into gold for document {args.doc}{there}; "
        f"{open_items} disagreement{'s' if open_items != 1 else ''} left to decide"
    )
    return 0
