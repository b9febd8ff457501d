"""Importing labeled data into a project, whatever stores it (issue 14).

:func:`run_import` checks the request, reads every record once (each
format's reader, loaded on first use), vets it, tallies labels the schema
lacks and holds the drafts (:class:`~annotator.io.formats.importing.HeldDrafts`)
until it knows whether it may store them; then it stores them in batches,
one transaction each, through a :class:`BatchWriter`:

- :class:`annotator.io.formats.api.SessionWriter`: a :class:`Database`'s
  sessions (every backend; the window's import);
- :class:`annotator.store.import_sqlite.DirectWriter`: an SQLite project's
  file through :mod:`sqlite3` alone, which :func:`open_direct` gives when
  opening the project needs no migration and no roles seeded, so the command
  line imports without loading SQLAlchemy (docs/design.md, "Bulk paths").

Both write with :mod:`annotator.store.import_sqlite` on SQLite: the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from annotator.core.collector import gc_paused
from annotator.core.dataset import AnnotatedDraft, InsertResult
from annotator.core.formats import CODEPOINT, IMPORT_FORMATS
from annotator.core.model import GOLD_ANNOTATOR, name_problem
from annotator.io.errors import InputProblem
from annotator.io.files import MB
from annotator.io.formats.common import LineProblem, check_name
from annotator.io.formats.importing import (
    HeldDrafts,
    ImportContext,
    ImportReport,
    InputNotice,
    LabelTally,
    UnknownLabels,
    extend_schema,
    jsonl_files,
    problem_at,
    shape_added_document_labels,
    vet_draft,
)
from annotator.io.project import Project, update_schema

if TYPE_CHECKING:
    from annotator.store.import_sqlite import DirectWriter

BATCH_DOCUMENTS = 1000
BATCH_SPANS = 200_000
BATCH_CHARACTERS = 8_000_000
"""A batch also ends at this much text, so long documents do not fill memory."""

FOLDER_FORMATS = ("brat", "xmi", "webanno-tsv")
"""Formats read from folders and .zip files rather than JSON lines."""

_READERS = {
    "native": "annotator.io.formats.native",
    "doccano": "annotator.io.formats.doccano",
    "prodigy": "annotator.io.formats.prodigy",
    "brat": "annotator.io.formats.brat",
    "xmi": "annotator.io.formats.xmi",
    "webanno-tsv": "annotator.io.formats.webanno_tsv",
    "labelstudio": "annotator.io.formats.labelstudio",
}
"""Each import format's module (its ``read``), loaded when an import uses it."""

StoreProgress = Callable[[int], None]
"""Called with the number of records stored so far."""


class BatchWriter(Protocol):
    """Where an import stores its batches."""

    def reviewer_problem(self, reviewer: str) -> str | None:
        """Why ``reviewer`` may not write the gold layer (None: they may)."""

    def store_batch(
        self, batch: Sequence[AnnotatedDraft], editor: str | None
    ) -> InsertResult | str:
        """Store one batch in one transaction, or say why none of it was stored
        ("not stored: ..."); a database that cannot take writes at all raises
        :class:`annotator.core.errors.SaveFailed`."""


def iter_records(
    fmt: str, paths: Sequence[Path], ctx: ImportContext
) -> Iterator[AnnotatedDraft | InputProblem | None]:
    """Every record of the inputs: a draft, a refusal, or None for a skipped record."""
    sources: Iterable[Path | InputProblem] = (
        list(paths) if fmt in FOLDER_FORMATS else jsonl_files(paths)
    )
    reader = import_module(_READERS[fmt]).read
    for source in sources:
        if isinstance(source, InputProblem):
            yield source
        else:
            yield from reader(source, ctx)


def check_request(fmt: str, paths: Sequence[Path], ctx: ImportContext) -> None:
    """Raise :class:`InputProblem` for an import that cannot be made as asked."""
    where = paths[0] if paths else "."
    if fmt not in IMPORT_FORMATS:
        raise InputProblem(where, f"cannot import format {fmt!r}")
    if fmt == "brat" and ctx.offsets != CODEPOINT:
        raise InputProblem(where, "brat offsets are always code points")
    if fmt in ("xmi", "webanno-tsv") and ctx.offsets != CODEPOINT:
        raise InputProblem(
            where, f"{fmt} files count UTF-16 units by definition; leave out --offsets"
        )
    if fmt == "brat" and not ctx.as_name:
        raise InputProblem(where, "brat files name no annotator: use --as NAME")
    if ctx.as_name is not None:
        try:
            check_name(ctx.as_name, "--as")
        except LineProblem as exc:
            raise InputProblem(where, str(exc)) from None
    if ctx.as_name == GOLD_ANNOTATOR and not ctx.reviewer:
        raise InputProblem(
            where,
            f"--as {GOLD_ANNOTATOR}: the adjudicated layer is written only by a reviewer: "
            "add --reviewer NAME",
        )
    if ctx.as_name not in (None, GOLD_ANNOTATOR) and (refused := name_problem(ctx.as_name)):
        raise InputProblem(where, f"--as: {refused}")  # "Gold": refused before any record


def run_import(
    project: Project,
    writer: BatchWriter,
    fmt: str,
    paths: Sequence[Path],
    ctx: ImportContext,
    *,
    add_labels: bool = False,
    progress: StoreProgress | None = None,
) -> ImportReport:
    """Import labeled data; raise :class:`UnknownLabels` (nothing stored) for unknown labels
    unless ``add_labels``, which adds them to project.yaml first."""
    check_request(fmt, paths, ctx)
    if ctx.max_file_bytes is None:
        ctx = replace(ctx, max_file_bytes=project.setting("max_file_mb") * MB)
    ctx = replace(ctx, schema=project.schema)
    if ctx.reviewer is not None:
        refused = writer.reviewer_problem(ctx.reviewer)
        if refused is not None:
            raise InputProblem(paths[0] if paths else ".", f"--reviewer: {refused}")
    # One pass over the input reads and checks every record and tallies its
    # labels; the drafts are held (a batch's worth in memory, the rest in a
    # temporary file) until the labels are known to be fine, since nothing is
    # stored if some are unknown; then they are stored batch by batch.
    report = ImportReport()
    tally = LabelTally(project.schema)
    with gc_paused(), HeldDrafts(BATCH_CHARACTERS, BATCH_SPANS) as held:
        items: Iterable[AnnotatedDraft] = held
        for record in iter_records(fmt, paths, ctx):
            if record is None:
                report.skipped += 1
            elif isinstance(record, InputNotice):
                report.notices.append(str(record))
            elif isinstance(record, InputProblem):
                report.problems.append(record)
            else:
                report.records += 1
                for reason in vet_draft(record, project.schema, ctx.reviewer):
                    report.problems.append(problem_at(record.origin, reason))
                tally.add(record)
                held.add(record)
        if tally.labels or tally.relations or tally.document_labels:
            if not add_labels:
                raise UnknownLabels(tally.labels, tally.relations, tally.document_labels)
            # Extends project.yaml as it is now: another import may have just added labels.
            extended = update_schema(
                project,
                lambda schema: extend_schema(
                    schema,
                    sorted(tally.labels),
                    sorted(r for r in tally.relations if schema.relation(r) is None),
                    tally.pairs,
                    tally.document_values,
                    tally.multiple,
                ),
            )
            report.added_labels = sorted(tally.labels)
            report.added_relations = sorted(tally.relations)
            report.added_document_labels = sorted(tally.document_labels)
            if tally.multiple:
                items = (shape_added_document_labels(item, extended) for item in held)
        store(writer, items, report, progress, editor=ctx.reviewer)
    return report


def store(
    writer: BatchWriter,
    items: Iterable[AnnotatedDraft],
    report: ImportReport,
    progress: StoreProgress | None = None,
    *,
    editor: str | None = None,
) -> None:
    """Insert records in batches (one transaction each); a failed batch is reported whole.

    ``items`` is consumed as it comes, so memory holds one batch at a time.
    """
    batch: list[AnnotatedDraft] = []
    spans = characters = 0
    done = 0
    for item in items:
        batch.append(item)
        spans += sum(len(layer.spans) for layer in item.layers)
        characters += len(item.document.text)
        if len(batch) >= BATCH_DOCUMENTS or spans >= BATCH_SPANS or characters >= BATCH_CHARACTERS:
            _store_batch(writer, batch, report, editor)
            done += len(batch)
            batch, spans, characters = [], 0, 0
            if progress is not None:
                progress(done)
    if batch:
        _store_batch(writer, batch, report, editor)
        if progress is not None:
            progress(done + len(batch))


def _store_batch(
    writer: BatchWriter, batch: list[AnnotatedDraft], report: ImportReport, editor: str | None
) -> None:
    result = writer.store_batch(batch, editor)
    if isinstance(result, str):
        for item in batch:
            report.problems.append(InputProblem(item.origin or "input", result))
        return
    report.documents_added += result.documents_added
    report.documents_existing += result.documents_existing
    report.spans += result.spans
    report.relations += result.relations
    report.duplicate_spans += result.duplicate_spans
    report.entities += result.entities
    report.document_labels += result.document_labels


def open_direct(project: Project) -> DirectWriter | None:
    """A writer on the project's SQLite file through :mod:`sqlite3` alone
    (:func:`~annotator.io.direct_open.open_directly`), or None: the caller
    opens it the usual way, which migrates, seeds the roles and reports.
    Close it when done."""
    from annotator.io.direct_open import open_directly
    from annotator.store.import_sqlite import DirectWriter

    opened = open_directly(project, writable=True)
    if opened is None:
        return None
    return DirectWriter(opened.path, opened.conn, opened.hold)
