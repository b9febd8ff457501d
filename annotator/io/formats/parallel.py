"""A line-per-record export written by two processes at once.

The export of a large project is CPU-bound in both SQLite and Python, and the
machines analysts use have several cores. For formats with one record per
line (native, doccano, prodigy), the first half of the documents is written
here while a forked child writes the second half; the child's part is then
appended and the whole renamed into place, so the target is still complete
or absent. Forking is safe only in a process with no other threads (the
command line, not the window), so that is checked first.
"""

from __future__ import annotations

import os
import pickle
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from annotator.io.formats.common import ExportContext, replace_into
from annotator.store.db import Database

LINE_FORMATS = frozenset({"native", "doccano", "prodigy"})
SPLIT_FROM_DOCUMENTS = 2000
"""Below this a second process costs more than it saves."""

WritePart = Callable[[Database | None, Sequence[int], Path, ExportContext], None]
"""Writes some documents' records to a file; None: on the connection already open."""


def can_split(fmt: str, documents: int) -> bool:
    return (
        fmt in LINE_FORMATS
        and documents >= SPLIT_FROM_DOCUMENTS
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and (os.cpu_count() or 1) > 1
    )


def write_in_two(
    db: Database, ids: Sequence[int], target: Path, ctx: ExportContext, write_part: WritePart
) -> None:
    half = len(ids) // 2
    stem = f".{target.name}.{os.getpid()}"
    head, tail = target.with_name(f"{stem}.head"), target.with_name(f"{stem}.tail")
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the second half, on a connection of its own
        os.close(read_fd)
        outcome: object
        try:
            db.engine.dispose(close=False)  # the parent's connections stay the parent's
            tail_ctx = ExportContext(ctx.schema, ctx.offsets)
            write_part(db, ids[half:], tail, tail_ctx)
            outcome = (tail_ctx.documents, tail_ctx.spans, tail_ctx.relations, tail_ctx.warnings)
        except BaseException as exc:
            outcome = exc
        try:
            payload = pickle.dumps(outcome)
        except Exception:
            payload = pickle.dumps(RuntimeError(str(outcome)))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write_fd)
    try:
        try:
            write_part(None, ids[:half], head, ctx)
        finally:
            with os.fdopen(read_fd, "rb") as pipe:
                payload = pipe.read()
            os.waitpid(pid, 0)
        outcome = pickle.loads(payload) if payload else RuntimeError("the export's helper died")
        if isinstance(outcome, BaseException):
            raise outcome
        documents, spans, relations, warnings = outcome
        ctx.documents += documents
        ctx.spans += spans
        ctx.relations += relations
        ctx.warnings.extend(warnings)
        with open(head, "ab") as out, open(tail, "rb") as rest:
            shutil.copyfileobj(rest, out, 1 << 22)
        replace_into(head, target)
    finally:
        head.unlink(missing_ok=True)
        tail.unlink(missing_ok=True)
