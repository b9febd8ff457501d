"""`annotator import PROJECT PATH...`: add articles, or labeled data with --format."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.cli.output import warn
from annotator.core.formats import (
    ARTICLE_SUFFIXES,
    CODEPOINT,
    FOLDER_FORMATS,
    IMPORT_FORMATS,
    OFFSET_UNITS,
)


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Add articles to a project from files and folders (searched recursively): "
        f"{', '.join(ARTICLE_SUFFIXES)}. HTML pages give their main article text, "
        "title, date and URL; JSONL files hold one document per line ('text' plus "
        "any metadata fields). An article already in the project is not added twice. "
        "With --format, PATH holds labeled data (native, doccano or prodigy JSONL, a "
        "brat folder or .zip, Label Studio JSON, INCEpTION's XMI or WebAnno TSV) whose "
        "spans go into annotator --as NAME's layer; "
        "a record with a bad span is refused with its line and reason, the rest goes "
        "in. Labels the schema lacks are listed and the import refused, unless "
        "--add-labels adds them to project.yaml. "
        "Exit code 0 when everything went in, 1 when some files or lines failed, "
        "2 when the project cannot be used, the labels are unknown or nothing was usable."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument(
        "paths",
        metavar="PATH",
        nargs="+",
        type=Path,
        help="files or folders; - reads JSON Lines (gzip-compressed too) from standard input",
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=IMPORT_FORMATS,
        help="labeled data in this format (default: plain articles)",
    )
    parser.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        help="annotator whose layer receives the spans (native files name their own; "
        "in xmi and webanno-tsv, the file name is the annotator)",
    )
    parser.add_argument(
        "--reviewer",
        metavar="NAME",
        help="a reviewer, who writes the gold layer: needed for --as gold and for a "
        "native file's gold layers (without it they are refused)",
    )
    parser.add_argument(
        "--add-labels",
        action="store_true",
        help="add labels and relation types the schema lacks to project.yaml",
    )
    parser.add_argument(
        "--offsets",
        choices=OFFSET_UNITS,
        default=CODEPOINT,
        help="how the file counts offsets (utf16: JavaScript string positions)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.collector import gc_paused

    # Loading the application and database code (SQLAlchemy above all) builds
    # tens of thousands of long-lived objects and no garbage cycles; the
    # collector's passes over them were a tenth of that loading, and the
    # import itself runs with it paused anyway.
    with gc_paused():
        if STDIN not in args.paths:
            return _run(args, warn)
        if args.format in FOLDER_FORMATS:
            warn(f"-: {args.format} is read from a folder or a .zip; name it")
            return 2
        with _stdin_as_file(args.format) as copy:
            args.paths = [copy if path == STDIN else path for path in args.paths]

            def say(message: str) -> None:  # the copy is named as what it is a copy of
                warn(message.replace(str(copy), STDIN_NAME))

            return _run(args, say)


STDIN = Path("-")
STDIN_NAME = "<stdin>"


@contextmanager
def _stdin_as_file(fmt: str | None) -> Iterator[Path]:
    """Standard input copied whole to a temporary file (the readers check sizes
    and encodings on a file, and an import reads its input before storing)."""
    name = "stdin.json" if fmt == "labelstudio" else "stdin.jsonl"
    with tempfile.TemporaryDirectory(prefix="annotator-stdin-") as folder:
        copy = Path(folder) / name
        with open(copy, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
        yield copy


def _run(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    from annotator.app.transfer import import_articles
    from annotator.app.workspace import Workspace

    if args.format is not None:
        return run_labeled(args, say)
    if args.as_name or args.reviewer or args.add_labels or args.offsets != CODEPOINT:
        warn("--as, --reviewer, --add-labels and --offsets need --format (labeled data)")
        return 2
    workspace = Workspace.open(args.project)
    try:
        report = import_articles(workspace, args.paths)
    finally:
        workspace.close()
    for notice in report.notices:
        say(notice)
    for problem in report.problems:
        say(str(problem))
    if not args.quiet:
        for path in report.skipped:
            print(f"skipped {path}: not an article file type", file=sys.stderr)
        print(
            f"Imported {len(report.added)} document(s); "
            f"{len(report.duplicates)} already in the project; "
            f"{len(report.problems)} problem(s); {len(report.skipped)} file(s) skipped."
        )
    return report.exit_code


def run_labeled(args: argparse.Namespace, say: Callable[[str], None] = warn) -> int:
    from annotator.app.transfer import ImportContext, UnknownLabels, import_labeled_into

    if args.as_name is not None and not args.as_name.strip():
        warn("--as needs a non-empty annotator name")
        return 2
    ctx = ImportContext(offsets=args.offsets, as_name=args.as_name, reviewer=args.reviewer)
    try:
        # Opens the project itself: an SQLite one is written without SQLAlchemy
        # when opening it needs nothing done (docs/design.md, "Bulk paths").
        report = import_labeled_into(
            args.project, args.format, args.paths, ctx, add_labels=args.add_labels
        )
    except UnknownLabels as exc:
        warn(f"nothing imported: {exc}")
        warn("add them to the schema in project.yaml, or run again with --add-labels")
        return 2
    except OSError as exc:
        warn(f"{exc.filename or args.project}: {exc.strerror or exc}; nothing imported")
        return 2
    for notice in report.notices:
        say(notice)
    for problem in report.problems:
        say(str(problem))
    if report.added_labels or report.added_relations or report.added_document_labels:
        added = [*report.added_labels, *report.added_relations, *report.added_document_labels]
        print(f"Added to the schema in project.yaml: {', '.join(added)}", file=sys.stderr)
    if not args.quiet:
        extra = (
            f"; {report.skipped} rejected or ignored record(s) skipped" if report.skipped else ""
        )
        dupes = (
            f"; {report.duplicate_spans} span(s) already there" if report.duplicate_spans else ""
        )
        # Named only when there are some: imports without them read as they always did.
        who_said_what = "".join(
            f", {count} {what}"
            for count, what in (
                (report.entities, "new entity(ies)"),
                (report.document_labels, "document label(s)"),
            )
            if count
        )
        print(
            f"Imported {report.records} record(s): {report.documents_added} new document(s), "
            f"{report.documents_existing} already in the project, {report.spans} span(s), "
            f"{report.relations} relation(s){who_said_what}{dupes}; "
            f"{len(report.problems)} problem(s){extra}."
        )
    return report.exit_code
