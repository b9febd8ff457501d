"""`annotator suggest PROJECT`: print suggestions, or store them (batch pre-annotation)."""

from __future__ import annotations

import argparse
import getpass
from typing import TYPE_CHECKING

from annotator.cli.arguments import record_id
from annotator.cli.output import print_json, print_table, warn
from annotator.core.errors import InputProblem, PermissionDenied

if TYPE_CHECKING:
    from annotator.app.assist import Assistant, Suggestion
    from annotator.app.workspace import Workspace


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Suggest spans: quotations (with who said them), names from the dictionary of "
        "earlier entity spans, gazetteers and rules of project.yaml's 'assist:' section. "
        "Spans the annotator has, and suggestions they rejected, are left out. With "
        "--accept --as NAME the suggestions become NAME's spans (pre-annotation before "
        "human review); exit code 1 if some documents could not be written, or a regex "
        "rule was stopped after 1 s on a document (it is named; its matches left out)."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument(
        "--doc",
        type=record_id,
        action="append",
        metavar="ID",
        help="only this document (repeatable)",
    )
    parser.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        help="whose suggestions: their dictionary, spans and rejections (default: your login)",
    )
    parser.add_argument("--label", action="append", metavar="LABEL", help="only these labels")
    parser.add_argument("--accept", action="store_true", help="store the suggestions as spans")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.assist import open_assist_workspace

    # Accepted suggestions are edits like the window's: through a workspace.
    workspace = open_assist_workspace(args.project)
    try:
        return _suggest(workspace, args)
    finally:
        workspace.close()


def _suggest(workspace: Workspace, args: argparse.Namespace) -> int:
    from annotator.app.assist import Assistant
    from annotator.app.documents import list_documents

    project, db = workspace.project, workspace.db
    assert project is not None and db is not None
    if args.accept and not args.as_name:
        raise InputProblem(project.config_path, "--accept needs --as NAME (whose layer gets them)")
    name = args.as_name or getpass.getuser()
    for label in args.label or []:
        if project.schema.label(label) is None:
            known = ", ".join(project.schema.label_names)
            raise InputProblem(project.config_path, f"unknown label {label!r} (labels: {known})")
    assistant = Assistant(workspace, name)
    if args.accept:
        try:  # the store's rule, before any work: "gold" is no one's layer to fill
            assistant.check_can_accept()
        except PermissionDenied as exc:
            warn(f"--as {name}: {exc}")
            return 2
    titles = {d.id: d.title for d in list_documents(db)}
    ids = list(dict.fromkeys(args.doc)) if args.doc else list(titles)
    for doc_id in ids:
        if doc_id not in titles:
            raise InputProblem(project.config_path, f"no document with id {doc_id}")
    stopped = 0
    found: list[tuple[int, str, list[Suggestion]]] = []
    for doc_id, items in assistant.suggest_documents(ids):
        for problem in getattr(items, "problems", ()):  # a rule stopped: too slow
            warn(f"document {doc_id}: {problem}")
            stopped += 1
        if args.label:
            items = [s for s in items if s.label in args.label]
        found.append((doc_id, titles.get(doc_id, ""), items))
    if args.accept:
        return _accept(assistant, found, args.json)
    if args.json:
        print_json(
            [
                {
                    "document_id": doc_id,
                    "title": title,
                    "suggestions": [s.to_json() for s in items],
                }
                for doc_id, title, items in found
            ]
        )
        return 1 if stopped else 0
    rows = []
    for doc_id, _, items in found:
        for s in items:
            speaker = f"{s.speaker.text} ({s.speaker.label})" if s.speaker else ""
            rows.append((doc_id, s.label, f"{s.start}-{s.end}", s.source, _clip(s.text), speaker))
    total = sum(len(items) for _, _, items in found)
    if rows:
        print_table(("doc", "label", "offsets", "source", "text", "speaker"), rows)
    print(f"{total} suggestions in {len(found)} documents for {name}")
    return 1 if stopped else 0


def _accept(
    assistant: Assistant, found: list[tuple[int, str, list[Suggestion]]], as_json: bool
) -> int:
    """Each document's suggestions as one edit through the workspace; exit code
    1 if a document was refused or the database could not take an edit now."""
    done = assistant.accept_everywhere((doc_id, items) for doc_id, _, items in found)
    for doc_id, reason in done.refused:
        warn(f"document {doc_id}: {reason}")
    if done.kept is not None:
        warn(f"not saved: {done.kept}; the documents after it were not tried")
    failed = len(done.refused) + (done.kept is not None)
    if as_json:
        print_json({"annotator": assistant.annotator, "documents": done.documents,
                    "spans": done.spans, "relations": done.relations,
                    "failed": failed})  # fmt: skip
    else:
        print(
            f"Stored {done.spans} spans and {done.relations} relations in {done.documents} "
            f"documents as {assistant.annotator}"
        )
    return 1 if failed else 0


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
