"""`annotator assign PROJECT`: give documents to annotators (issue 5)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from annotator.cli.arguments import record_id
from annotator.cli.output import print_json, warn
from annotator.core.errors import NotFound

if TYPE_CHECKING:
    from annotator.app.workspace import Workspace

EXIT_USAGE = 2


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Assign documents to annotators. --round-robin N gives every document N "
        "annotators, balanced (the least loaded first, ties in the order named) and "
        "deterministic; existing assignments stay and count, so running it again "
        "after an import assigns only the new documents. --doc ID ... --to NAME "
        "assigns those documents to one person. Each annotator sees their "
        "assignments first in the window."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--round-robin",
        type=int,
        metavar="N",
        help="give every document N annotators",
    )
    how.add_argument(
        "--doc",
        type=record_id,
        nargs="+",
        action="extend",
        metavar="ID",
        help="assign these documents (ids as `annotator docs` lists them) to --to NAME",
    )
    parser.add_argument("--to", metavar="NAME", help="the annotator who gets the --doc documents")
    parser.add_argument(
        "--annotator",
        action="append",
        metavar="NAME",
        help="with --round-robin: share among these (repeat; default: 'annotators' of "
        "project.yaml)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.workspace import Workspace

    if args.round_robin is not None and args.to is not None:
        warn("--to goes with --doc, not with --round-robin (use --annotator NAME)")
        return EXIT_USAGE
    if args.round_robin is None:
        if args.to is None:
            warn("--doc needs --to NAME: who gets the documents")
            return EXIT_USAGE
        if args.annotator:
            warn("--annotator goes with --round-robin; with --doc, name one person with --to")
            return EXIT_USAGE
    workspace = Workspace.open(args.project)
    try:
        return _assign(workspace, args)
    finally:
        workspace.close()


def _assign(workspace: Workspace, args: argparse.Namespace) -> int:
    from annotator.app.review import (
        ReviewProblem,
        assign_documents,
        assign_round_robin,
        unknown_people,
    )
    from annotator.app.roles import team_roles

    project = workspace.project
    assert project is not None
    if args.round_robin is not None:
        names = list(dict.fromkeys(args.annotator or project.annotators))
        if not names:
            warn(
                "--round-robin needs annotators: name them with --annotator NAME or list "
                "them under 'annotators:' in project.yaml"
            )
            return EXIT_USAGE
    else:
        names = [str(args.to)]
    problem = unknown_people(project, names, team_roles(workspace).reviewers)
    if problem:
        warn(problem)
        return EXIT_USAGE
    try:
        if args.round_robin is not None:
            done = assign_round_robin(workspace, names, args.round_robin)
        else:
            done = assign_documents(workspace, args.doc, names[0])
    except (NotFound, ReviewProblem) as exc:
        warn(str(exc))
        return EXIT_USAGE
    new, current = done.new, done.assignments
    if args.json:
        print_json(
            {
                "new": new,
                "assignments": {str(doc): people for doc, people in current.items()},
            }
        )
        return 0
    added = done.added
    if args.round_robin is not None:
        counts = ", ".join(f"{name} +{len(docs)}" for name, docs in new.items())
        print(
            f"{added} new assignment{'s' if added != 1 else ''} so that every document has "
            f"{args.round_robin} of {', '.join(names)}: {counts}"
        )
    else:
        asked = len(dict.fromkeys(args.doc))
        print(
            f"Assigned {added} document{'s' if added != 1 else ''} to {names[0]}"
            + (f" ({asked - added} already were)" if asked > added else "")
        )
    return 0
