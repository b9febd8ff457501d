"""`annotator comments PROJECT --doc ID`: read and write comment threads (issue 5)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from annotator.cli.arguments import record_id
from annotator.cli.output import print_json, warn
from annotator.core.errors import NotFound

if TYPE_CHECKING:
    from annotator.app.review import CommentData

EXIT_USAGE = 2


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Comments are notes on a document or on one span, shown to everyone in the "
        "project; a reply joins a thread. Without --add, prints the document's "
        "threads (id, author, time in UTC, text; replies indented)."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--doc", type=record_id, required=True, metavar="ID", help="the document")
    parser.add_argument("--add", metavar="TEXT", help="add this comment")
    parser.add_argument("--as", dest="author", metavar="NAME", help="who writes it")
    parser.add_argument("--span", type=record_id, metavar="ID", help="about this span")
    parser.add_argument(
        "--reply-to", type=record_id, metavar="ID", help="a reply to this comment (its thread)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app import review
    from annotator.app.project import load_project
    from annotator.app.review import unknown_people
    from annotator.app.roles import team_roles
    from annotator.app.workspace import Workspace

    project = load_project(args.project)
    if args.add is None:
        extra = [
            flag
            for flag, value in (("--as", args.author), ("--span", args.span))
            if value is not None
        ]
        if args.reply_to is not None:
            extra.append("--reply-to")
        if extra:
            warn(f"{', '.join(extra)} goes with --add TEXT")
            return EXIT_USAGE
    elif args.author is None:
        warn("--add needs --as NAME: who writes the comment")
        return EXIT_USAGE
    workspace = Workspace.open(args.project)
    db = workspace.db
    assert db is not None  # just opened
    try:
        if args.add is not None:
            reviewers = team_roles(workspace).reviewers
            if (problem := unknown_people(project, [args.author], reviewers)) is not None:
                warn(problem)
                return EXIT_USAGE
            comment = review.add_comment(
                db, args.doc, args.author, args.add, span_id=args.span, reply_to=args.reply_to
            )
            if args.json:
                print_json(comment.to_json())
            else:
                what = "reply" if comment.parent_id is not None else "comment"
                on = f"span {comment.span_id} of " if comment.span_id is not None else ""
                print(f"Added {what} {comment.id} on {on}document {args.doc}")
            return 0
        read = review.document_threads(db, args.doc)
        threads, span_texts = read.threads, read.span_texts
    except (NotFound, review.ReviewProblem) as exc:
        warn(str(exc))
        return EXIT_USAGE
    finally:
        workspace.close()
    if args.json:
        print_json([t.to_json() for t in threads])
        return 0
    if not threads:
        print(f"No comments on document {args.doc}")
        return 0
    # One heading per target, the document first, then the spans by id; each
    # target's threads in the order they were started.
    by_target: dict[int | None, list[CommentData]] = {}
    for thread in threads:
        by_target.setdefault(thread.span_id, []).append(thread)
    for span_id in sorted(by_target, key=lambda s: (s is not None, s or 0)):
        if span_id is not None:
            surface = " ".join(span_texts.get(span_id, "").split())
            print(f"On span {span_id} {surface!r}:")
        else:
            print("On the document:")
        for thread in by_target[span_id]:
            _print_comment(thread, 1)
    return 0


def _print_comment(comment: CommentData, depth: int) -> None:
    when = comment.created_at.strftime("%Y-%m-%d %H:%M")
    print(f"{'  ' * depth}#{comment.id} {comment.author}, {when}: {comment.body}")
    for reply in comment.replies:
        _print_comment(reply, depth + 1)
