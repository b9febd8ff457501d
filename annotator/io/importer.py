"""Importing articles into a project: read files, store documents in batches.

One transaction per batch of documents: a batch is stored whole or not at all,
so no document is ever half-stored. Problems with one file or line are
reported and the rest of the import goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from annotator.core.model import DocumentDraft
from annotator.io.errors import InputProblem
from annotator.io.readers import FoundFile, find_files, read_file
from annotator.store import repository
from annotator.store.db import Database

BATCH_DOCUMENTS = 1000
BATCH_CHARACTERS = 20_000_000

Progress = Callable[[int, int], None]
"""Called with (files done, files in all)."""


@dataclass(slots=True)
class ImportReport:
    added: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when everything went in, 1 when something failed."""
        return 1 if self.problems else 0


@dataclass(slots=True)
class _Pending:
    drafts: list[DocumentDraft] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    characters: int = 0


def import_paths(
    db: Database, paths: Sequence[Path], progress: Progress | None = None
) -> ImportReport:
    files, problems, skipped = find_files(paths)
    report = ImportReport(problems=problems, skipped=skipped)
    pending = _Pending()
    for done, found in enumerate(files, start=1):
        _read_into(found, pending, report)
        if len(pending.drafts) >= BATCH_DOCUMENTS or pending.characters >= BATCH_CHARACTERS:
            _flush(db, pending, report)
            pending = _Pending()
        if progress is not None:
            progress(done, len(files))
    _flush(db, pending, report)
    return report


def import_drafts(db: Database, drafts: Sequence[DocumentDraft], origin: str) -> ImportReport:
    """Store documents that were read elsewhere (tests, the window's paste)."""
    report = ImportReport()
    pending = _Pending(list(drafts), [origin] * len(drafts))
    _flush(db, pending, report)
    return report


def _read_into(found: FoundFile, pending: _Pending, report: ImportReport) -> None:
    try:
        result = read_file(found)
    except InputProblem as problem:
        report.problems.append(problem)
        return
    report.problems.extend(result.problems)
    for number, draft in enumerate(result.drafts, start=1):
        pending.drafts.append(draft)
        origin = str(found.path) if len(result.drafts) == 1 else f"{found.path} (document {number})"
        pending.origins.append(origin)
        pending.characters += len(draft.text)


def _flush(db: Database, pending: _Pending, report: ImportReport) -> None:
    if not pending.drafts:
        return
    try:
        with db.session() as session:
            ids = repository.insert_documents(session, pending.drafts)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        for origin in pending.origins:
            report.problems.append(InputProblem(origin, f"not stored: database error ({reason})"))
        return
    for new_id, origin in zip(ids, pending.origins, strict=True):
        if new_id is None:
            report.duplicates.append(origin)
        else:
            report.added.append(new_id)
