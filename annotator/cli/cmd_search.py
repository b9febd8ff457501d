"""`annotator search PROJECT QUERY`: full-text search over every document."""

from __future__ import annotations

import argparse

from annotator.cli.output import print_json
from annotator.core.errors import InputProblem


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        'Full-text search: documents with every word of QUERY; "quoted phrases" and '
        "prefix* work. Lists each document's id and title with the context of the first "
        "match; --json adds the match offsets (code points of the document text)."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument("query", metavar="QUERY", help="words to find")
    parser.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.documents import SearchError, search
    from annotator.app.workspace import Workspace

    workspace = Workspace.open(args.project)
    assert workspace.db is not None and workspace.project is not None  # just opened
    try:
        results = search(workspace.db, args.query, limit=max(1, args.limit))
    except SearchError as exc:
        raise InputProblem("query", str(exc)) from exc
    finally:
        workspace.close()
    if args.json:
        print_json(
            {
                "query": results.query,
                "total": results.total,
                "total_exact": results.total_exact,
                "hits": [hit.to_json() for hit in results.hits],
            }
        )
        return 0
    for hit in results.hits:
        print(f"{hit.document_id:>6}  {' '.join(hit.title.split()) or '(untitled)'}")
        print(f"        {_marked(hit.snippet, hit.snippet_start, hit.matches)}")
    shown = len(results.hits)
    more = f" (showing {shown})" if shown < results.total else ""
    count = results.total if results.total_exact else f"at most {results.total}"
    print(f"{count} documents match {results.query!r}{more}")
    return 0


def _marked(snippet: str, offset: int, matches: list[tuple[int, int]]) -> str:
    """The snippet on one line, each match in [brackets]."""
    out = []
    last = 0
    for start, end in matches:
        out += [snippet[last : start - offset], "[", snippet[start - offset : end - offset], "]"]
        last = end - offset
    out.append(snippet[last:])
    return " ".join("".join(out).split())
