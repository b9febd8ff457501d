"""`annotator info PROJECT`: the project, its schema and counts."""

from __future__ import annotations

import argparse

from annotator.cli.output import print_json


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Show the project's name, database, label schema and counts."
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.documents import project_info
    from annotator.app.workspace import Workspace

    workspace = Workspace.open(args.project)
    project = workspace.project
    assert workspace.db is not None and project is not None  # just opened
    try:
        read = project_info(workspace.db)
    finally:
        workspace.close()
    counts, revision, where = read.counts, read.schema_version, read.database
    info = {
        "name": project.name,
        "directory": str(project.directory),
        "database": where,
        "schema_version": revision,
        "labels": [
            {
                "name": lab.name,
                "kind": lab.kind,
                "color": lab.color,
                "key": lab.key,
                "description": lab.description,
                "attributes": {a.name: list(a.values) for a in lab.attributes},
            }
            for lab in project.schema.labels
        ],
        "relations": [
            {"name": r.name, "from": list(r.sources), "to": list(r.targets)}
            for r in project.schema.relations
        ],
        "counts": {
            "documents": counts.documents,
            "characters": counts.characters,
            "spans": counts.spans,
            "relations": counts.relations,
            "spans_by_label": counts.spans_by_label,
            "done_by_annotator": counts.done_by_annotator,
        },
        "annotators": counts.annotators,
    }
    if args.json:
        print_json(info)
        return 0
    print(f"Project:    {project.name}")
    print(f"Folder:     {project.directory}")
    print(f"Database:   {where} (schema {revision})")
    print(f"Documents:  {counts.documents} ({counts.characters:,} characters)")
    print(f"Spans:      {counts.spans}   Relations: {counts.relations}")
    print(f"Annotators: {', '.join(counts.annotators) or '-'}")
    print("Labels:")
    for lab in project.schema.labels:
        key = f"[{lab.key}]" if lab.key else "   "
        used = counts.spans_by_label.get(lab.name, 0)
        print(
            f"  {key} {lab.name:<14} {lab.kind:<7} {lab.color}  {used:>6} spans  {lab.description}"
        )
        for attr in lab.attributes:
            print(f"        {attr.name}: {' | '.join(attr.values) or 'free text'}")
    print("Relations:")
    for rel in project.schema.relations:
        print(f"  {rel.name}: {' | '.join(rel.sources)} -> {' | '.join(rel.targets)}")
    for name, done in counts.done_by_annotator.items():
        print(f"Done by {name}: {done}")
    return 0
