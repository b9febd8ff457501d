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

import contextlib
import glob
import os
import pickle
import shutil
import signal
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from annotator.io.formats.common import ExportContext, replace_into, signals_held

LINE_FORMATS = frozenset({"native", "doccano", "prodigy"})
SPLIT_FROM_DOCUMENTS = 2000
"""Below this a second process costs more than it saves."""

WritePart = Callable[[bool, Sequence[int], Path, ExportContext], None]
"""Writes some documents' records to a file; True in the forked child, which reads on a
connection of its own (False: on the connection already open)."""


def can_split(fmt: str, documents: int) -> bool:
    return (
        fmt in LINE_FORMATS
        and documents >= SPLIT_FROM_DOCUMENTS
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and (os.cpu_count() or 1) > 1
    )


def write_in_two(
    ids: Sequence[int], target: Path, ctx: ExportContext, write_part: WritePart
) -> None:
    half = len(ids) // 2
    stem = f".{target.name}.{os.getpid()}"
    head, tail = target.with_name(f"{stem}.head"), target.with_name(f"{stem}.tail")
    read_fd, write_fd = os.pipe()
    pid = 0
    try:
        # No Ctrl-C while forking: the child sets its own handlers first, and
        # the parent notes the child's pid, so a Ctrl-C after this stops it.
        with signals_held():
            pid = os.fork()
            if pid == 0:  # the child: never returns, never prints
                os.close(read_fd)
                _child(ids[half:], tail, ctx, write_part, write_fd)
            os.close(write_fd)
            write_fd = -1
        # On Ctrl-C or a failure the child's half is not wanted: below, it is
        # stopped by SIGTERM, removing its temporary file as it goes.
        write_part(False, ids[:half], head, ctx)
        with os.fdopen(read_fd, "rb") as pipe:
            read_fd = -1
            payload = pipe.read()
        os.waitpid(pid, 0)
        pid = 0
        outcome = pickle.loads(payload) if payload else RuntimeError("the export's helper died")
        if isinstance(outcome, BaseException):
            raise outcome
        documents, spans, relations, warnings, flattened = outcome
        ctx.documents += documents
        ctx.spans += spans
        ctx.relations += relations
        ctx.warnings.extend(warnings)
        ctx.flattened.add(flattened)
        append_file(tail, head)
        replace_into(head, target)
    finally:
        if pid:
            _stop(pid)
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)
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


class _Stopped(BaseException):
    """SIGTERM or SIGINT in the child: unwind (temporary files go), then exit."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise _Stopped


def _child(
    ids: Sequence[int],
    tail: Path,
    ctx: ExportContext,
    write_part: WritePart,
    write_fd: int,
) -> NoReturn:
    """The second half, on a connection of its own; the outcome (counts, or the
    exception) is pickled to the parent. Nothing it does reaches the parent's
    code or the terminal: every way out is ``os._exit``."""
    code = 1
    try:
        # Signals are still blocked here (held across the fork). From now on the
        # child's stdout and stderr go nowhere: a library logging as it is stopped
        # (SQLAlchemy's pool, mid-connect) must not reach the user's terminal.
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        os.close(quiet)
        signal.signal(signal.SIGTERM, _raise_stopped)
        signal.signal(signal.SIGINT, _raise_stopped)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
        outcome: object
        try:
            tail_ctx = ExportContext(ctx.schema, ctx.offsets)
            write_part(True, ids, tail, tail_ctx)
            outcome = (tail_ctx.documents, tail_ctx.spans, tail_ctx.relations, tail_ctx.warnings,
                       tail_ctx.flattened)  # fmt: skip
        except _Stopped:
            os._exit(1)
        except BaseException as exc:
            outcome = exc
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent hears of Ctrl-C itself
        try:
            payload = pickle.dumps(outcome)
        except Exception:
            payload = pickle.dumps(RuntimeError(str(outcome)))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
        code = 0
    except BaseException:  # the parent stopped listening, or stopped us
        pass
    finally:
        os._exit(code)


def _stop(pid: int) -> None:
    """End the child (if still running) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
