"""`annotator assign PROJECT`: give documents to annotators (issue 5)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from annotator.cli.output import print_json, warn
from annotator.core.errors import NotFound
from annotator.io.project import Project, load_project
from annotator.store import review

EXIT_USAGE = 2


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "assign",
        help="assign documents to annotators, by hand or round-robin",
        description=(
            "Assign documents to annotators. --round-robin N gives every document N "
            "annotators, balanced (the least loaded first, ties in the order named) and "
            "deterministic; existing assignments stay and count, so running it again "
            "after an import assigns only the new documents. --doc ID ... --to NAME "
            "assigns those documents to one person. Each annotator sees their "
            "assignments first in the window."
        ),
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
        type=int,
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


def unknown_people(project: Project, names: Sequence[str]) -> str | None:
    """A message if project.yaml lists its people and a name is not among them."""
    known = list(dict.fromkeys([*project.annotators, *(project.reviewers or [])]))
    if not project.annotators:
        return None
    strangers = [n for n in names if n not in known]
    if not strangers:
        return None
    which = ", ".join(repr(n) for n in strangers)
    return (
        f"{which} is not one of the project's annotators or reviewers "
        f"({', '.join(known)}); add them to project.yaml first"
    )


def run(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    if args.round_robin is not None:
        if args.to is not None:
            warn("--to goes with --doc, not with --round-robin (use --annotator NAME)")
            return EXIT_USAGE
        names = list(dict.fromkeys(args.annotator or project.annotators))
        if not names:
            warn(
                "--round-robin needs annotators: name them with --annotator NAME or list "
                "them under 'annotators:' in project.yaml"
            )
            return EXIT_USAGE
    else:
        if args.to is None:
            warn("--doc needs --to NAME: who gets the documents")
            return EXIT_USAGE
        if args.annotator:
            warn("--annotator goes with --round-robin; with --doc, name one person with --to")
            return EXIT_USAGE
        names = [str(args.to)]
    problem = unknown_people(project, names)
    if problem:
        warn(problem)
        return EXIT_USAGE
    db = project.open_database()
    try:
        with db.session() as session:
            if args.round_robin is not None:
                plan = review.assign_round_robin(session, names, args.round_robin)
                new: dict[str, list[int]] = {name: [] for name in names}
                for doc, people in plan.items():
                    for name in people:
                        new[name].append(doc)
            else:
                new = {names[0]: review.assign(session, args.doc, names[0])}
            current = review.assignments(session)
    except (NotFound, review.ReviewProblem) as exc:
        warn(str(exc))
        return EXIT_USAGE
    finally:
        db.close()
    if args.json:
        print_json(
            {
                "new": new,
                "assignments": {str(doc): people for doc, people in current.items()},
            }
        )
        return 0
    added = sum(len(docs) for docs in new.values())
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
