"""A line-per-record export written by two processes at once.

For formats with one record per line (native, doccano, prodigy), the first
half of the documents is written here while a forked child writes the second
half (:func:`annotator.core.forked.in_two`); the child's part is then
appended and the whole renamed into place, so the target is still complete
or absent.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from annotator.core.forked import can_fork, in_two
from annotator.io.formats.common import (
    GZIP_SUFFIX,
    ExportContext,
    Flattened,
    check_file_target,
    is_gzip_name,
    replace_into,
)

LINE_FORMATS = frozenset({"native", "doccano", "prodigy"})
SPLIT_FROM_DOCUMENTS = 2000
"""Below this a second process costs more than it saves."""

WritePart = Callable[[bool, Sequence[int], Path, ExportContext], None]
"""Writes some documents' records to a file; True in the forked child, which reads on a
connection of its own (False: on the connection already open) and raises
:class:`annotator.core.forked.OtherSnapshot` when that connection would not
see what the first one sees."""


def can_split(fmt: str, documents: int) -> bool:
    return fmt in LINE_FORMATS and documents >= SPLIT_FROM_DOCUMENTS and can_fork()


def write_in_two(
    ids: Sequence[int], target: Path, ctx: ExportContext, write_part: WritePart
) -> None:
    check_file_target(target)
    half = len(ids) // 2
    stem = f".{target.name}.{os.getpid()}"
    # Each half of a .gz export is a gzip member of its own; appended, they are
    # one multi-member gzip file, which gzip, zcat and Python read whole.
    gz = GZIP_SUFFIX if is_gzip_name(target) else ""
    head, tail = target.with_name(f"{stem}.head{gz}"), target.with_name(f"{stem}.tail{gz}")

    def second_half(in_child: bool) -> tuple[int, int, int, list[str], Flattened]:
        tail_ctx = ExportContext(ctx.schema, ctx.offsets)
        write_part(in_child, ids[half:], tail, tail_ctx)
        return (tail_ctx.documents, tail_ctx.spans, tail_ctx.relations, tail_ctx.warnings,
                tail_ctx.flattened)  # fmt: skip

    try:
        # On Ctrl-C or a failure the child's half is not wanted: in_two stops
        # it by SIGTERM, and it removes its temporary file as it goes. A child
        # that cannot see what this process's reading sees (OtherSnapshot)
        # leaves its half to this process.
        _, outcome = in_two(
            lambda: write_part(False, ids[:half], head, ctx),
            lambda: second_half(True),
            lambda: second_half(False),
        )
        documents, spans, relations, warnings, flattened = outcome
        ctx.documents += documents
        ctx.spans += spans
        ctx.relations += relations
        ctx.warnings.extend(warnings)
        ctx.flattened.add(flattened)
        append_file(tail, head)
        replace_into(head, target)
    finally:
        head.unlink(missing_ok=True)
        tail.unlink(missing_ok=True)
        for left in target.parent.glob(f".{glob.escape(tail.name)}.*.tmp"):
            left.unlink(missing_ok=True)  # the child was stopped before it cleaned up


def append_file(source: Path, target: Path) -> None:
    """Append ``source`` to ``target``: in the kernel where it can
    (``copy_file_range``: the bytes never pass through this process), else
    through a buffer."""
    with open(target, "r+b") as out, open(source, "rb") as rest:
        start = out.seek(0, os.SEEK_END)
        size = os.fstat(rest.fileno()).st_size
        done = 0
        copy = getattr(os, "copy_file_range", None)
        if copy is not None:
            # Explicit offsets: the kernel refuses a destination opened for appending.
            with contextlib.suppress(OSError):
                while done < size:
                    moved = copy(rest.fileno(), out.fileno(), size - done, done, start + done)
                    if moved <= 0:
                        break
                    done += moved
        if done < size:
            rest.seek(done)
            out.seek(start + done)
            shutil.copyfileobj(rest, out, 1 << 22)
