"""`annotator export PROJECT -o PATH --format FORMAT`: write a labeled dataset."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.cli.arguments import record_id
from annotator.cli.output import warn, warn_unknown_labels
from annotator.core.formats import (
    CODEPOINT,
    EXPORT_FORMATS,
    FOLDER_FORMATS,
    OFFSET_UNITS,
    PARQUET_ROWS,
    SPACY_ALIGNMENTS,
)
from annotator.core.model import GOLD_ANNOTATOR, DocStatus

if TYPE_CHECKING:
    pass

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
STDOUT = "-"
STDOUT_NAMES = {"spacy": "export.spacy", "quotes": "export.csv"}
"""The file name a format is written under before it is sent to standard output,
where the name decides the kind (one .spacy file, not a folder of shards; CSV)."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write the project's documents and annotations as a dataset. Offsets are "
        "code points into the exported text, which is the stored text; every span "
        "is checked against it before anything is written, and the file appears "
        "only when complete. Filters combine. Exit code 0 when written, 1 when a "
        "stored span does not match its text (nothing is written), 2 for a usage "
        "or project problem."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="PATH",
        help="file to write, or - for standard output (a folder or .zip for brat, xmi, "
        "webanno-tsv; a folder with --split; for spacy, a name without .spacy is a folder of "
        "shards, for a large corpus; for quotes, a name ending in .jsonl is JSON lines, else CSV)",
    )
    parser.add_argument(
        "-f", "--format", choices=EXPORT_FORMATS, default="native", help="default: native"
    )
    parser.add_argument(
        "--annotator",
        action="append",
        metavar="NAME",
        help="only this annotator's layer (repeatable); default: every annotator",
    )
    parser.add_argument(
        "--gold",
        action="store_true",
        help=f"the adjudicated layer (annotator {GOLD_ANNOTATOR!r}), with any --annotator",
    )
    parser.add_argument(
        "--label", action="append", metavar="LABEL", help="only this label (repeatable)"
    )
    parser.add_argument(
        "--status",
        action="append",
        choices=[s.value for s in DocStatus],
        help="only layers with this status, e.g. done (repeatable)",
    )
    parser.add_argument(
        "--doc",
        action="append",
        type=record_id,
        metavar="ID",
        help="only this document (repeatable)",
    )
    parser.add_argument(
        "--split",
        metavar="NAME=FRACTION,...",
        help="split by document, e.g. train=0.8,dev=0.1,test=0.1 (one file per split)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for --split (default 0)")
    parser.add_argument(
        "--offsets",
        choices=OFFSET_UNITS,
        default=CODEPOINT,
        help="utf16 counts UTF-16 code units, for JavaScript consumers",
    )
    parser.add_argument(
        "--spacy-lang",
        default="en",
        metavar="LANG",
        help="spacy: the language whose blank pipeline tokenises (default en)",
    )
    parser.add_argument(
        "--span-group",
        default="sc",
        metavar="NAME",
        help="spacy: the span group that holds every span, overlapping too (default sc)",
    )
    parser.add_argument(
        "--alignment",
        choices=SPACY_ALIGNMENTS,
        default="strict",
        help="spacy: a span whose ends fall inside tokens is left out and counted (strict, "
        "the default), shrunk to the tokens inside it (contract) or grown to them (expand)",
    )
    parser.add_argument(
        "--rows",
        choices=PARQUET_ROWS,
        default="document",
        help="parquet: one row per document and annotator (default) or one per span",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if str(args.output) == STDOUT:
        return _export_to_stdout(args)
    return _export(args)


def _export_to_stdout(args: argparse.Namespace) -> int:
    """``-o -``: the export is written whole to a temporary file first (so a span
    that does not match its text still stops it before anything is sent), then
    copied to standard output; what the command says goes to standard error."""
    if args.format in FOLDER_FORMATS or args.split:
        if args.split:
            warn("-o -: --split writes a folder of files; name the folder to write")
        else:
            warn(f"-o -: {args.format} writes a folder; name a folder or a .zip to write")
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="annotator-export-") as tmp:
        args.output = Path(tmp) / STDOUT_NAMES.get(args.format, "export")
        with contextlib.redirect_stdout(sys.stderr):
            code = _export(args, shown_as="standard output")
        if code != EXIT_OK:
            return code
        try:
            with open(args.output, "rb") as written:
                shutil.copyfileobj(written, sys.stdout.buffer, 1 << 20)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            # The reader stopped early (``| head``): nothing more to say, and
            # nothing left for the interpreter to flush into the closed pipe.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            raise
    return EXIT_OK


def _export(args: argparse.Namespace, shown_as: str = "") -> int:
    from annotator.app.transfer import ExportFilter, ExportMismatch

    annotators: set[str] | None = set(args.annotator) if args.annotator else None
    if args.gold:
        annotators = (annotators or set()) | {GOLD_ANNOTATOR}
    flt = ExportFilter(
        annotators=frozenset(annotators) if annotators is not None else None,
        labels=frozenset(args.label) if args.label else None,
        statuses=frozenset(args.status) if args.status else None,
        document_ids=frozenset(args.doc) if args.doc else None,
    )
    if args.format == "native" and args.offsets == CODEPOINT and not args.split:
        # An SQLite project's native export reads with sqlite3 alone when it
        # can: loading SQLAlchemy would cost more than half a second first.
        from annotator.app.transfer import export_native_directly

        try:
            direct = export_native_directly(args.project, args.output, flt, _progress(args.quiet))
        except (ExportMismatch, OSError) as exc:
            return _stopped(args, exc)
        except KeyboardInterrupt:  # nothing was written; the caller says "interrupted"
            _end_progress(args.quiet)
            raise
        if direct is not None:
            _end_progress(args.quiet)
            for message in direct.warnings:
                warn(message)
            warn_unknown_labels(args.label, direct.labels)
            if not args.quiet:
                _print_done(
                    args.format,
                    shown_as or str(direct.target),
                    (direct.documents, direct.spans, direct.relations),
                    direct.processes,
                )
            return EXIT_OK
    return _export_through_workspace(args, flt, annotators, shown_as)


def _export_through_workspace(
    args: argparse.Namespace, flt: Any, annotators: set[str] | None, shown_as: str
) -> int:
    from annotator.app.transfer import ExportMismatch, ExportRequest, export_dataset, parse_split
    from annotator.app.workspace import Workspace

    split = None
    if args.split:
        try:
            split = parse_split(args.split)
        except ValueError as exc:
            warn(f"--split: {exc}")
            return EXIT_USAGE
    request = ExportRequest(
        format=args.format,
        target=args.output,
        filter=flt,
        offsets=args.offsets,
        split=split,
        seed=args.seed,
        spacy_language=args.spacy_lang,
        span_group=args.span_group,
        alignment=args.alignment,
        rows=args.rows,
    )
    workspace = Workspace.open(args.project)
    assert workspace.project is not None  # just opened
    label_names = list(workspace.project.schema.label_names)
    try:
        try:
            result = export_dataset(workspace, request, _progress(args.quiet))
        except (ExportMismatch, OSError) as exc:
            return _stopped(args, exc)
        except KeyboardInterrupt:  # nothing was written; the caller says "interrupted"
            _end_progress(args.quiet)
            raise
    finally:
        workspace.close()
    _end_progress(args.quiet)
    for message in result.warnings:
        warn(message)
    warn_unknown_labels(args.label, label_names)
    if not args.quiet:
        counts = (result.documents, result.spans, result.relations)
        shown = shown_as or ", ".join(str(p) for p in result.files)
        _print_done(args.format, shown, counts, result.processes)
        for note in result.flattened.notes():
            print(f"  {note}")
        for name, count in result.splits.items():
            print(f"  {name}: {count} document(s)")
    return EXIT_OK


def _stopped(args: argparse.Namespace, exc: Exception) -> int:
    """A span that does not match its text (exit 1), or a target that cannot be
    written (exit 2); either way nothing was written."""
    _end_progress(args.quiet)
    if isinstance(exc, OSError):
        where = exc.filename or args.output
        warn(f"{where}: cannot write the export ({exc.strerror or exc}); nothing was written")
        return EXIT_USAGE
    warn(f"export stopped: {exc}")
    return EXIT_PARTIAL


def _print_done(fmt: str, written: str, counts: tuple[int, int, int], processes: int) -> None:
    documents, spans, relations = counts
    print(
        f"Exported {documents} document(s), {spans} span(s), {relations} relation(s) "
        f"as {fmt} to {written}" + (f" ({processes} processes)" if processes > 1 else "")
    )


def _progress(quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\rexporting {done}/{total} documents")
        sys.stderr.flush()

    return show


def _end_progress(quiet: bool) -> None:
    if not quiet and sys.stderr.isatty():
        sys.stderr.write("\n")
