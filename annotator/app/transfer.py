"""Documents into and out of an open project: articles imported, labeled data
imported, a dataset exported (docs/design.md, "Application package").

Each operation takes a :class:`~annotator.app.workspace.Workspace` and works
on its project and database; the window and the command line call these and
import neither io nor the store. Free of Qt.

The window imports this module at start-up, so the database layer is imported
only when an operation runs (docs/design.md, "Start-up"): the value types and
constants that live beside the database code (:mod:`annotator.io.formats.api`,
:mod:`annotator.io.importer`) are fetched on first use (:func:`__getattr__`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.dataset import ExportDocument, ExportFilter
from annotator.core.formats import CODEPOINT, EXPORT_FORMATS, IMPORT_FORMATS, OFFSET_UNITS, UTF16
from annotator.io.formats.common import ExportMismatch
from annotator.io.formats.importing import ImportContext, UnknownLabels
from annotator.io.formats.importing import ImportReport as LabeledImportReport

if TYPE_CHECKING:
    from annotator.app.workspace import Workspace
    from annotator.io.formats.api import SUFFIXES, ExportRequest, ExportResult, parse_split
    from annotator.io.importer import ImportReport
    from annotator.io.project import Project
    from annotator.store.db import Database

__all__ = [
    "CODEPOINT",
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "OFFSET_UNITS",
    "SUFFIXES",
    "UTF16",
    "DirectExport",
    "ExportFilter",
    "ExportMismatch",
    "ExportRequest",
    "ExportResult",
    "ImportContext",
    "ImportReport",
    "LabeledImportReport",
    "Progress",
    "UnknownLabels",
    "article_suffixes",
    "export_dataset",
    "export_native_directly",
    "import_articles",
    "import_labeled",
    "import_labeled_into",
    "parse_split",
]

Progress = Callable[[int, int], None]
"""Called with (done, in all): files for an import, documents for an export."""

_LAZY = {
    "SUFFIXES": "annotator.io.formats.api",
    "ExportRequest": "annotator.io.formats.api",
    "ExportResult": "annotator.io.formats.api",
    "parse_split": "annotator.io.formats.api",
    "ImportReport": "annotator.io.importer",
}


def __getattr__(name: str) -> Any:
    """The names that live beside the database code, imported on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def article_suffixes() -> list[str]:
    """The file name endings read as articles (".txt", ".html", ...), sorted."""
    from annotator.io.readers import article_suffixes as suffixes

    return suffixes()


def import_articles(
    workspace: Workspace, paths: Sequence[Path], progress: Progress | None = None
) -> ImportReport:
    """Read articles from files and folders (searched recursively) into the
    project; files over the project's ``max_file_mb`` are not read. One
    transaction per batch of documents; a file's problem does not stop the rest."""
    from annotator.io.files import MB
    from annotator.io.importer import import_paths

    db, project = _opened(workspace)
    limit = project.setting("max_file_mb") * MB
    return import_paths(db, paths, progress, max_file_bytes=limit)


def import_labeled(
    workspace: Workspace,
    fmt: str,
    paths: Sequence[Path],
    ctx: ImportContext,
    *,
    add_labels: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LabeledImportReport:
    """Import labeled data in ``fmt`` (one of :data:`IMPORT_FORMATS`) into the
    layer ``ctx`` names. Labels the schema lacks raise :class:`UnknownLabels`
    with nothing stored, unless ``add_labels`` adds them to project.yaml (and
    to the workspace's project) first."""
    from annotator.io.formats.api import run_import

    db, project = _opened(workspace)
    return run_import(project, db, fmt, paths, ctx, add_labels=add_labels, progress=progress)


def import_labeled_into(
    directory: Path | str,
    fmt: str,
    paths: Sequence[Path],
    ctx: ImportContext,
    *,
    add_labels: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LabeledImportReport:
    """Open the project in ``directory`` and import labeled data into it, as
    :func:`import_labeled` does (the command line's import). An SQLite project
    whose opening needs no migration and no roles seeded is written through
    ``sqlite3`` alone (its daily backup taken as on any open), without loading
    SQLAlchemy (:func:`annotator.io.labeled_import.open_direct`); any other
    is opened as a :class:`Workspace` (docs/design.md, "Bulk paths")."""
    from annotator.io.labeled_import import open_direct, run_import
    from annotator.io.project import load_project

    project = load_project(Path(directory))
    writer = open_direct(project)
    if writer is None:
        from annotator.app.workspace import Workspace  # its history and commands: not needed above

        workspace = Workspace.open(directory)
        try:
            return import_labeled(
                workspace, fmt, paths, ctx, add_labels=add_labels, progress=progress
            )
        finally:
            workspace.close()
    try:
        return run_import(
            project, writer, fmt, paths, ctx, add_labels=add_labels, progress=progress
        )
    finally:
        writer.close()


def export_dataset(
    workspace: Workspace, request: ExportRequest, progress: Progress | None = None
) -> ExportResult:
    """Write the dataset ``request`` asks for; nothing appears at its target
    unless complete. A stored span that does not match its text raises
    :class:`ExportMismatch` (nothing written)."""
    from annotator.io.formats.api import run_export

    db, project = _opened(workspace)
    return run_export(db, project, request, progress)


@dataclass(frozen=True, slots=True)
class DirectExport:
    """What :func:`export_native_directly` wrote, with what the command line
    checks the request against."""

    target: Path
    documents: int
    spans: int
    relations: int
    warnings: list[str]
    processes: int
    """Two for a large export (:mod:`annotator.io.formats.parallel`)."""
    annotators: list[str]
    """Everyone with a layer in the database, by name."""
    labels: list[str]
    """The project's label names."""


def export_native_directly(
    directory: Path | str, target: Path, flt: ExportFilter, progress: Progress | None = None
) -> DirectExport | None:
    """The native export (code-point offsets, one file) of an SQLite project,
    read with the standard library alone: no SQLAlchemy is loaded (issue 14).

    The same SQL, checks and bytes as :func:`export_dataset`
    (:mod:`annotator.store.export_sqlite`), and what opening the project does
    first: the hold that keeps a restore out, the daily backup. None when this
    cannot be done here (a server project, a schema to migrate, reviewers to
    set up or differing from project.yaml, a database the usual open would
    report on): the caller then exports through :meth:`Workspace.open`.
    Raises what :func:`export_dataset` raises.
    """
    import sqlite3

    from annotator.core.collector import gc_paused
    from annotator.core.errors import DatabaseProblem, InputProblem
    from annotator.io.direct_open import open_directly
    from annotator.io.formats import native, parallel
    from annotator.io.formats.common import ExportContext, check_file_target
    from annotator.io.project import load_project
    from annotator.store import export_sqlite, sqlite_direct
    from annotator.store.first_read import sqlite_path

    project = load_project(Path(directory))
    if sqlite_path(project.database_url) is None:
        return None
    check_file_target(target)
    opened = open_directly(project, writable=False)
    if opened is None:
        return None
    path, conn = opened.path, opened.conn
    try:
        try:
            conn.execute("BEGIN")  # one snapshot for every read
            ctx = ExportContext(project.schema, CODEPOINT)
            with gc_paused(), export_sqlite.bulk_read(conn):
                names = sorted(export_sqlite.annotator_names(conn).values())
                refusal = export_sqlite.filter_refusal(conn, flt)
                if refusal is not None:
                    raise InputProblem(project.directory, f"{refusal}; nothing was exported")
                ids = export_sqlite.select_document_ids(conn, flt)
                last_change = sqlite_direct.last_change(conn)
                done = 0

                def counted(docs: Iterable[ExportDocument]) -> Iterator[ExportDocument]:
                    nonlocal done
                    for doc in docs:
                        yield doc
                        done += 1
                        if progress is not None and (done % 200 == 0 or done == len(ids)):
                            progress(done, len(ids))

                def write_part(
                    in_child: bool, part: Sequence[int], where: Path, into: ExportContext
                ) -> None:
                    if not in_child:
                        docs = export_sqlite.iter_documents_json(conn, part, flt)
                        native.export(counted(docs), where, into)
                        return
                    # The forked child: a connection of its own, seeing what the
                    # parent's reading sees (written meanwhile: the parent writes it).
                    with sqlite_direct.reading_as_of(path, last_change) as own:
                        if own is None:
                            raise DatabaseProblem(
                                str(path), "the database changed during the export"
                            )
                        with export_sqlite.bulk_read(own):
                            docs = export_sqlite.iter_documents_json(own, part, flt)
                            native.export(docs, where, into)

                processes = 1
                if parallel.can_split("native", len(ids)):
                    parallel.write_in_two(ids, target, ctx, write_part)
                    processes = 2
                else:
                    write_part(False, ids, target, ctx)
        except sqlite3.Error:  # nothing was written: the usual path reports it
            return None
    finally:
        opened.close()
    return DirectExport(
        target,
        ctx.documents,
        ctx.spans,
        ctx.relations,
        ctx.warnings,
        processes,
        names,
        list(project.schema.label_names),
    )


def _opened(workspace: Workspace) -> tuple[Database, Project]:
    if workspace.db is None or workspace.project is None:
        raise ValueError("no project is open")
    return workspace.db, workspace.project
