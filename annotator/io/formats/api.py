"""Export and import of labeled datasets: what the command line and the window call.

This module (with :mod:`annotator.io.formats.parallel`) is where the formats
meet the database: it reads documents with :mod:`annotator.store.export_reader`
and hands them to a format's writer, and stores what a format's reader makes
with :mod:`annotator.store.import_writer`. The format modules themselves work
on :mod:`annotator.core.dataset` values only.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from annotator.core.collector import gc_paused
from annotator.core.dataset import AnnotatedDraft, ExportDocument, ExportFilter, InsertResult
from annotator.core.errors import PermissionDenied
from annotator.core.forked import OtherSnapshot
from annotator.core.formats import CODEPOINT, EXPORT_FORMATS, IMPORT_FORMATS, UTF16, UTF16_FORMATS
from annotator.core.model import GOLD_ANNOTATOR, OffsetError
from annotator.io import labeled_import
from annotator.io.errors import InputProblem
from annotator.io.formats import (
    brat,
    conll,
    csv_format,
    doccano,
    labelstudio,
    native,
    parallel,
    parquet,
    prodigy,
    quotes,
    spacy_docbin,
    webanno_tsv,
    xmi,
)
from annotator.io.formats.common import (
    ExportContext,
    ExportMismatch,
    Flattened,
    atomic_dir,
    check_target,
)
from annotator.io.formats.importing import (
    ImportContext,
    ImportReport,
    UnknownLabels,
)
from annotator.io.project import Project
from annotator.store import export_reader
from annotator.store.db import Database
from annotator.store.import_plan import EntityKeys
from annotator.store.import_writer import insert_annotated
from annotator.store.repository import check_can_write

SUFFIXES = {
    "native": native.SUFFIX,
    "doccano": doccano.SUFFIX,
    "prodigy": prodigy.SUFFIX,
    "brat": "",
    "xmi": "",
    "webanno-tsv": "",
    "conll": conll.SUFFIX,
    "csv": csv_format.SUFFIX,
    "labelstudio": labelstudio.SUFFIX,
    "spacy": spacy_docbin.SUFFIX,
    "parquet": parquet.SUFFIX,
    "quotes": quotes.SUFFIX,
}

Progress = Callable[[int, int], None]
"""Called with (documents done, documents in all)."""

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "ExportMismatch",
    "ExportRequest",
    "ExportResult",
    "ImportContext",
    "ImportReport",
    "UnknownLabels",
    "parse_split",
    "run_export",
    "run_import",
    "split_ids",
]


# --- splits ----------------------------------------------------------------------


def parse_split(text: str) -> dict[str, float]:
    """``train=0.8,dev=0.1,test=0.1`` -> {name: fraction}; raise ValueError with the reason."""
    parts: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"{item!r} is not NAME=FRACTION")
        if not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"split name {name!r} must be letters, digits, - or _")
        if name in parts:
            raise ValueError(f"split {name!r} is named twice")
        try:
            fraction = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if not 0 <= fraction <= 1:
            raise ValueError(f"fraction {fraction} for {name!r} is not between 0 and 1")
        parts[name] = fraction
    total = sum(parts.values())
    if abs(total - 1) > 1e-6:
        raise ValueError(f"the fractions add up to {total:g}, not 1")
    return parts


def split_ids(ids: Sequence[int], fractions: dict[str, float], seed: int) -> dict[str, list[int]]:
    """Documents into splits: shuffled by ``seed``, cut at the fractions (rounded).

    The same documents and seed always give the same splits. Each split's ids
    are returned in ascending order.
    """
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    result: dict[str, list[int]] = {}
    cumulative = 0.0
    begin = 0
    names = list(fractions)
    for n, name in enumerate(names):
        cumulative += fractions[name]
        end = len(order) if n == len(names) - 1 else round(cumulative * len(order))
        result[name] = sorted(order[begin:end])
        begin = end
    return result


# --- export ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportRequest:
    format: str
    target: Path
    filter: ExportFilter = field(default_factory=ExportFilter)
    offsets: str = CODEPOINT
    split: dict[str, float] | None = None
    seed: int = 0
    spacy_language: str = spacy_docbin.DEFAULT_LANGUAGE
    """spacy: the blank pipeline that tokenises (a spaCy language code)."""
    span_group: str = spacy_docbin.DEFAULT_SPAN_GROUP
    """spacy: the span group that holds every span."""
    alignment: str = "strict"
    """spacy: what to do with a span that does not line up with tokens (SPACY_ALIGNMENTS)."""
    rows: str = "document"
    """parquet: one row per document and annotator, or per span (PARQUET_ROWS)."""


@dataclass(slots=True)
class ExportResult:
    files: list[Path] = field(default_factory=list)
    documents: int = 0
    spans: int = 0
    relations: int = 0
    warnings: list[str] = field(default_factory=list)
    splits: dict[str, int] = field(default_factory=dict)
    processes: int = 1
    """How many processes wrote it (two for a large line-per-record export)."""
    flattened: Flattened = field(default_factory=Flattened)
    """What the format has no room for: split spans written as pieces, entity
    links and document labels left out."""


def check_request(request: ExportRequest) -> None:
    """Raise InputProblem for a request that cannot be carried out."""
    if request.format not in EXPORT_FORMATS:
        raise InputProblem(request.target, f"unknown format {request.format!r}")
    if request.offsets == UTF16 and request.format not in UTF16_FORMATS:
        raise InputProblem(
            request.target,
            f"--offsets utf16 applies to {', '.join(UTF16_FORMATS)}; "
            f"{request.format} files count code points",
        )
    if request.split and request.target.suffix.lower() == ".zip":
        raise InputProblem(request.target, "with --split, -o names a folder (one file per split)")
    check_target(request.target)


def run_export(
    db: Database,
    schema_project: Project,
    request: ExportRequest,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the export; nothing appears at the target unless it is complete."""
    check_request(request)
    result = ExportResult()
    with gc_paused(), db.reader() as session:
        conn = session.connection()
        with export_reader.bulk_read(conn):
            refusal = export_reader.filter_refusal(conn, request.filter)
            if refusal is not None:
                raise InputProblem(schema_project.directory, f"{refusal}; nothing was exported")
            ids = export_reader.select_document_ids(conn, request.filter)
            total = len(ids)
            done = 0

            def counted(docs: Iterable[ExportDocument]) -> Iterator[ExportDocument]:
                nonlocal done
                for doc in docs:
                    yield doc
                    done += 1
                    if progress is not None and (done % 200 == 0 or done == total):
                        progress(done, total)

            extra: dict[str, Any] = {}
            if request.format == "doccano":
                extra["relation_form"] = (
                    export_reader.count_relations(conn, ids, request.filter) > 0
                )
            if request.format == "brat":
                extra["per_annotator"] = (
                    len(export_reader.layer_annotators(conn, ids, request.filter)) > 1
                )
            if request.format == "spacy":
                extra.update(language=request.spacy_language, span_group=request.span_group,
                             alignment=request.alignment)  # fmt: skip
            if request.format == "parquet":
                extra["rows"] = request.rows
            read_filter = request.filter
            if request.format == "quotes":
                # The speakers' spans are read whatever their label: --label picks rows.
                read_filter = replace(request.filter, labels=None)
                extra["labels"] = request.filter.labels
            ctx = ExportContext(schema_project.schema, request.offsets)

            # The native format embeds spans as SQLite writes them in JSON.
            as_json = request.format == "native" and request.offsets == CODEPOINT

            def write_part(
                in_child: bool, part: Sequence[int], target: Path, into: ExportContext
            ) -> None:
                if not in_child:
                    docs = counted(
                        export_reader.iter_documents(conn, part, read_filter, as_json=as_json)
                    )
                    _EXPORTERS[request.format](docs, target, into, **extra)
                    return
                db.engine.dispose(close=False)  # the parent's connections stay the parent's
                with db.reader() as own:
                    if not export_reader.join_snapshot(own.connection(), snapshot):
                        raise OtherSnapshot()  # written meanwhile: the parent writes it
                    with export_reader.bulk_read(own.connection()):
                        docs = export_reader.iter_documents(
                            own.connection(), part, read_filter, as_json=as_json
                        )
                        _EXPORTERS[request.format](docs, target, into, **extra)

            snapshot = ""

            def write(part: Sequence[int], target: Path) -> None:
                nonlocal snapshot
                if parallel.can_split(request.format, len(part)):
                    snapshot = snapshot or export_reader.snapshot_of(conn)
                    parallel.write_in_two(part, target, ctx, write_part)
                    result.processes = 2
                else:
                    write_part(False, part, target, ctx)
                result.files.append(target)

            suffix = SUFFIXES[request.format]
            if request.split:
                parts = split_ids(ids, request.split, request.seed)
                with atomic_dir(request.target) as folder:
                    for name, part in parts.items():
                        write(part, folder / f"{name}{suffix}")
                        result.splits[name] = len(part)
                result.files = [request.target / p.name for p in result.files]
            else:
                write(ids, request.target)
    result.documents, result.spans, result.relations = ctx.documents, ctx.spans, ctx.relations
    result.warnings = ctx.warnings
    result.flattened = ctx.flattened
    return result


_EXPORTERS: dict[str, Callable[..., None]] = {
    "native": native.export,
    "doccano": doccano.export,
    "prodigy": prodigy.export,
    "brat": brat.export,
    "xmi": xmi.export,
    "webanno-tsv": webanno_tsv.export,
    "conll": conll.export,
    "csv": csv_format.export,
    "labelstudio": labelstudio.export,
    "spacy": spacy_docbin.export,
    "parquet": parquet.export,
    "quotes": quotes.export,
}


# --- import ------------------------------------------------------------------------


class SessionWriter:
    """An import's batches through a :class:`Database`'s sessions, one
    transaction each (:func:`annotator.store.import_writer.insert_annotated`)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.entities = EntityKeys()

    def reviewer_problem(self, reviewer: str) -> str | None:
        with self.db.reader() as session:
            try:
                check_can_write(session, GOLD_ANNOTATOR, reviewer)
            except PermissionDenied as exc:
                return str(exc)
        return None

    def store_batch(
        self, batch: Sequence[AnnotatedDraft], editor: str | None
    ) -> InsertResult | str:
        entity_ids = self.entities.for_batch()
        try:
            with self.db.session() as session:
                result = insert_annotated(session, batch, editor=editor, entity_ids=entity_ids)
        except (PermissionDenied, OffsetError) as exc:  # roles changed meanwhile; bad pieces
            return f"not stored: {exc}"
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).splitlines()[0]
            return f"not stored: database error ({reason})"
        self.entities.keep(entity_ids)
        return result


def run_import(
    project: Project,
    db: Database,
    fmt: str,
    paths: Sequence[Path],
    ctx: ImportContext,
    *,
    add_labels: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import labeled data into ``db`` (:func:`annotator.io.labeled_import.run_import`);
    raise :class:`UnknownLabels` (nothing stored) for unknown labels unless
    ``add_labels``, which adds them to project.yaml first."""
    return labeled_import.run_import(
        project, SessionWriter(db), fmt, paths, ctx, add_labels=add_labels, progress=progress
    )
