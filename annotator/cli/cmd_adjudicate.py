"""`annotator adjudicate PROJECT --doc ID --accept-agreed A B --as REVIEWER` (issue 5)."""

from __future__ import annotations

import argparse

from annotator.cli.arguments import record_id
from annotator.cli.output import warn
from annotator.core.errors import NotFound, PermissionDenied

EXIT_PARTIAL, EXIT_USAGE = 1, 2


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Batch adjudication: every span that annotators A and B both have in the "
        "document (same start, end and label) goes into the gold layer, unless gold "
        "has it already, and so does every document label both gave the same value; "
        "one transaction. Only reviewers (project.yaml 'reviewers') "
        "may write gold. The rest is decided in the window's compare mode."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--doc", type=record_id, required=True, metavar="ID", help="the document")
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
    from annotator.app.adjudication import accept_agreed, open_review_workspace
    from annotator.app.workspace import Outcome

    a, b = args.accept_agreed
    if a == b:
        warn(f"--accept-agreed needs two different annotators, not {a} twice")
        return EXIT_USAGE
    # The decision goes through a review workspace, as compare mode's do: the
    # same store, permission check and change record.
    workspace = open_review_workspace(args.project)
    try:
        accepted = accept_agreed(workspace, args.doc, a, b, args.reviewer)
        if accepted.outcome is Outcome.KEPT:  # no one is here to retry it later
            warn(f"not saved: {workspace.kept_reason}")
            workspace.discard()
            return EXIT_PARTIAL
        if accepted.outcome is Outcome.REFUSED:
            warn(str(workspace.refusal))
            return EXIT_USAGE
    except (NotFound, PermissionDenied) as exc:
        warn(str(exc))
        return EXIT_USAGE
    finally:
        workspace.close()
    result, open_items = accepted.result, accepted.open_items
    if result.labels:
        print(f"Agreed document labels now in gold: {', '.join(result.labels)}")
    if not result.agreed:
        nothing = "" if result.labels else ": nothing to accept"
        print(f"{a} and {b} agree on no span in document {args.doc}{nothing}")
        return 0
    there = f" ({result.already_there} already were)" if result.already_there else ""
    print(
        f"Accepted {result.added} of {result.agreed} span{'s' if result.agreed != 1 else ''} "
        f"{a} and {b} agree on into gold for document {args.doc}{there}; "
        f"{open_items} disagreement{'s' if open_items != 1 else ''} left to decide"
    )
    return 0
