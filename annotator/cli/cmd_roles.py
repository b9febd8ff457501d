"""`annotator roles PROJECT [--as REVIEWER --set-reviewer NAME ...]`: who reviews."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from annotator.cli.output import print_json, print_table, warn
from annotator.core.errors import PermissionDenied

if TYPE_CHECKING:
    from annotator.app.roles import RoleName

EXIT_USAGE = 2


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List the people of the project's database and their roles, and how "
        "project.yaml's 'reviewers:' differs. Roles live in the database: project.yaml "
        "seeds them only while the database has no reviewer, and later differences are "
        "reported, not applied. A reviewer (--as NAME) changes them: --set-reviewer "
        "NAME makes someone a reviewer (who may write the gold layer), --set-annotator "
        "NAME makes them an annotator again; the last reviewer stays. Every change is "
        "in the change log. Exit code 2 when refused."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--as", dest="as_name", metavar="REVIEWER", help="who is changing roles")
    parser.add_argument(
        "--set-reviewer", action="append", default=[], metavar="NAME", help="make NAME a reviewer"
    )
    parser.add_argument(
        "--set-annotator",
        action="append",
        default=[],
        metavar="NAME",
        help="make NAME an annotator (no longer a reviewer)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.roles import change_roles, team_roles
    from annotator.app.workspace import Workspace
    from annotator.core.model import name_problem

    changes: list[tuple[str, RoleName]] = [(n, "reviewer") for n in args.set_reviewer]
    changes += [(n, "annotator") for n in args.set_annotator]
    if changes and not args.as_name:
        warn("--set-reviewer and --set-annotator need --as REVIEWER (who is changing roles)")
        return EXIT_USAGE
    both = set(args.set_reviewer) & set(args.set_annotator)
    if both:
        warn(f"{', '.join(sorted(both))}: both --set-reviewer and --set-annotator")
        return EXIT_USAGE
    for name, _ in changes:
        problem = name_problem(name)
        if problem:
            warn(problem)
            return EXIT_USAGE
    workspace = Workspace.open(args.project)
    project = workspace.project
    assert project is not None  # just opened
    try:
        if changes:
            roles = change_roles(workspace, changes, by=args.as_name)
        else:
            roles = team_roles(workspace)
    except PermissionDenied as exc:
        warn(str(exc))
        return EXIT_USAGE
    finally:
        workspace.close()
    people = roles.people
    if args.json:
        print_json(
            {
                "people": [{"name": n, "role": r} for n, r in people],
                "reviewers": roles.reviewers,
                "project_yaml_reviewers": project.reviewers,
                "difference": roles.difference,
            }
        )
        return 0
    for name, role in changes:
        print(f"{name} is now {'a reviewer' if role == 'reviewer' else 'an annotator'}")
    if not changes:
        print_table(("name", "role"), people)
    return 0
