"""Importing articles into a project: read files, store documents in batches.

One transaction per batch of documents: a batch is stored whole or not at all,
so no document is ever half-stored. Problems with one file or line are
reported and the rest of the import goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.errors import SaveFailed
from annotator.core.model import DocumentDraft
from annotator.io.errors import InputProblem
from annotator.io.files import DEFAULT_MAX_FILE_BYTES, MB
from annotator.io.readers import (
    FoundFile,
    ReadResult,
    find_files,
    iter_read_file,
    read_bytes,
    read_jsonl,
    reader_for,
)
from annotator.store import repository
from annotator.store.db import Database

BATCH_DOCUMENTS = 1000
BATCH_CHARACTERS = 8_000_000

Progress = Callable[[int, int], None]
"""Called with (files done, files in all)."""


@dataclass(slots=True)
class ImportReport:
    added: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Files read in a legacy encoding (not UTF-8): which one was chosen."""
    stopped: str = ""
    """Why the import stopped early (the database refused a write), or empty."""

    @property
    def exit_code(self) -> int:
        """0 when everything went in, 1 when something failed."""
        return 1 if self.problems else 0


@dataclass(slots=True)
class _Pending:
    drafts: list[DocumentDraft] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    characters: int = 0

    def add(self, draft: DocumentDraft, origin: str) -> None:
        self.drafts.append(draft)
        self.origins.append(origin)
        self.characters += len(draft.text)

    @property
    def full(self) -> bool:
        return len(self.drafts) >= BATCH_DOCUMENTS or self.characters >= BATCH_CHARACTERS


def import_paths(
    db: Database,
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    max_file_bytes: int | None = DEFAULT_MAX_FILE_BYTES,
) -> ImportReport:
    """Read and store articles. Reading the next batch overlaps with storing the
    last one in a writer thread (SQLite releases the GIL while it writes).

    Only regular files of at most ``max_file_bytes`` are read (the project's
    ``max_file_mb``); a JSONL file is read a chunk of lines at a time.
    """
    limit = max_file_bytes
    files, problems, skipped = find_files(paths, limit)
    report = ImportReport(problems=problems, skipped=skipped)
    pending = _Pending()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
        in_flight: Future[None] | None = None

        def submit(batch: _Pending) -> Future[None]:
            if in_flight is not None:
                in_flight.result()  # at most one batch waits: memory stays bounded
            return writer.submit(_flush, db, batch, report)

        for done, (found, data) in enumerate(_prefetch(files, limit), start=1):
            if report.stopped:
                report.problems.append(InputProblem(found.path, report.stopped))
                continue
            try:
                if isinstance(data, InputProblem):
                    raise data
                for part in iter_read_file(found, data, limit):
                    if part.encoding:
                        report.notices.append(f"{found.path}: not UTF-8; read as {part.encoding}")
                    report.problems.extend(part.problems)
                    for number, draft in enumerate(part.drafts, start=1):
                        pending.add(draft, _origin(found, part, number))
                        if pending.full:  # a batch is never more than its bounds
                            in_flight = submit(pending)
                            pending = _Pending()
            except InputProblem as problem:
                report.problems.append(problem)
            if progress is not None:
                progress(done, len(files))
        in_flight = submit(pending)
        in_flight.result()
    return report


PREFETCH_FILES = 64
PREFETCH_BYTES = 32 * MB
"""Files read ahead: at most this many, holding at most this many bytes (or one file)."""


def _prefetch(
    files: Sequence[FoundFile], limit: int | None = None
) -> Iterator[tuple[FoundFile, bytes | InputProblem | None]]:
    """Files' bytes in order, read ahead by a few threads: opening many small
    files is mostly waiting on the file system, which threads overlap. JSONL
    files are not read ahead (None): they are read a chunk at a time."""

    def load(found: FoundFile) -> bytes | InputProblem | None:
        if reader_for(found.path) is read_jsonl:
            return None
        try:
            return read_bytes(found, limit)
        except InputProblem as problem:
            return problem

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="import-reader") as pool:
        for chunk in _chunks(files):
            yield from zip(chunk, pool.map(load, chunk), strict=True)


def _chunks(files: Sequence[FoundFile]) -> Iterator[list[FoundFile]]:
    """Files in runs of at most PREFETCH_FILES holding at most PREFETCH_BYTES (or one file)."""
    chunk: list[FoundFile] = []
    held = 0
    for found in files:
        cost = 0 if reader_for(found.path) is read_jsonl else found.size
        if chunk and (len(chunk) >= PREFETCH_FILES or held + cost > PREFETCH_BYTES):
            yield chunk
            chunk, held = [], 0
        chunk.append(found)
        held += cost
    if chunk:
        yield chunk


def _origin(found: FoundFile, part: ReadResult, number: int) -> str:
    if len(part.drafts) == 1 and reader_for(found.path) is not read_jsonl:
        return str(found.path)
    return f"{found.path} (document {number})"


def import_drafts(db: Database, drafts: Sequence[DocumentDraft], origin: str) -> ImportReport:
    """Store documents that were read elsewhere (tests, the window's paste)."""
    report = ImportReport()
    pending = _Pending(list(drafts), [origin] * len(drafts))
    _flush(db, pending, report)
    return report


def _flush(db: Database, pending: _Pending, report: ImportReport) -> None:
    if not pending.drafts:
        return
    if report.stopped:
        ids: list[int | None] = []
    else:
        try:
            with db.session() as session:
                ids = repository.insert_documents(session, pending.drafts)
        except SaveFailed as exc:
            report.stopped = exc.reason
    if report.stopped:
        # The database refused a write (full disk, read-only): say so for every
        # document of this batch and stop, rather than fail the same way again.
        for origin in pending.origins:
            report.problems.append(InputProblem(origin, report.stopped))
        return
    for new_id, origin in zip(ids, pending.origins, strict=True):
        if new_id is None:
            report.duplicates.append(origin)
        else:
            report.added.append(new_id)
