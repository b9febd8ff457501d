"""`annotator suggest PROJECT`: print suggestions, or store them (batch pre-annotation)."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from annotator.cli.output import print_json, print_table, warn
from annotator.core.errors import PermissionDenied
from annotator.core.schema import LabelSchema
from annotator.core.suggest import SuggestConfig, Suggestion
from annotator.io.errors import InputProblem
from annotator.io.project import load_project
from annotator.store import assist, repository
from annotator.store.db import Database


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "suggest",
        help="list suggested spans, or store them with --accept",
        description=(
            "Suggest spans: quotations (with who said them), names from the dictionary of "
            "earlier entity spans, gazetteers and rules of project.yaml's 'assist:' section. "
            "Spans the annotator has, and suggestions they rejected, are left out. With "
            "--accept --as NAME the suggestions become NAME's spans (pre-annotation before "
            "human review); exit code 1 if some documents could not be written, or a regex "
            "rule was stopped after 1 s on a document (it is named; its matches left out)."
        ),
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument(
        "--doc", type=int, action="append", metavar="ID", help="only this document (repeatable)"
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
    project = load_project(args.project)
    if args.accept and not args.as_name:
        raise InputProblem(project.config_path, "--accept needs --as NAME (whose layer gets them)")
    name = args.as_name or getpass.getuser()
    for label in args.label or []:
        if project.schema.label(label) is None:
            known = ", ".join(project.schema.label_names)
            raise InputProblem(project.config_path, f"unknown label {label!r} (labels: {known})")
    config = project.assist.suggest_config()
    stopped = 0
    db = project.open_database()
    try:
        found: list[tuple[int, str, list[Suggestion]]] = []
        with db.reader() as session:
            if args.accept:
                try:  # the store's rule, before any work: "gold" is no one's layer to fill
                    repository.check_can_write(session, name, name)
                except PermissionDenied as exc:
                    warn(f"--as {name}: {exc}")
                    return 2
            titles = {d.id: d.title for d in repository.list_documents(session)}
            ids = list(dict.fromkeys(args.doc)) if args.doc else list(titles)
            for doc_id in ids:
                if doc_id not in titles:
                    raise InputProblem(project.config_path, f"no document with id {doc_id}")
            suggester = assist.make_suggester(session, name, project.schema, config)
            for doc_id in ids:
                items = assist.list_suggestions(
                    session, doc_id, name, project.schema, config, suggester=suggester
                )
                for problem in getattr(items, "problems", ()):  # a rule stopped: too slow
                    warn(f"document {doc_id}: {problem}")
                    stopped += 1
                if args.label:
                    items = [s for s in items if s.label in args.label]
                found.append((doc_id, titles.get(doc_id, ""), items))
        if args.accept:
            return _accept(db, name, found, project.schema, config, args.json)
    finally:
        db.close()
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
    db: Database,
    name: str,
    found: list[tuple[int, str, list[Suggestion]]],
    schema: LabelSchema,
    config: SuggestConfig,
    as_json: bool,
) -> int:
    store = assist.AssistEditStore(db)
    spans = relations = documents = 0
    failed = 0
    for doc_id, _, items in found:
        if not items:
            continue
        with db.reader() as session:
            command = assist.accept_command(session, doc_id, name, items, schema, config)
        try:
            changes = command.do(store)
        except PermissionDenied as exc:
            warn(f"document {doc_id}: {exc}")
            failed += 1
            continue
        spans += len(changes.added_spans)
        relations += len(changes.added_relations)
        documents += 1
    if as_json:
        print_json({"annotator": name, "documents": documents, "spans": spans,
                    "relations": relations, "failed": failed})  # fmt: skip
    else:
        print(f"Stored {spans} spans and {relations} relations in {documents} documents as {name}")
    return 1 if failed else 0


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
