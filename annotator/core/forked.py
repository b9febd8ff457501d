"""Work shared between this process and a forked child, on two cores.

The command line's large exports and its agreement are CPU-bound in SQLite
and Python, one core's worth each; the machines analysts use have several.
:func:`in_two` runs one half here while a forked child runs the other, and
hands back both results. Forking is safe only in a process with no other
threads (the command line and the window's workers, never the window), so
:func:`can_fork` checks that first.

The child never returns into the caller's code and never prints: what its
half returns, or the exception it raises, is pickled back to the parent,
which raises it as its own. Ctrl-C or SIGTERM in the parent stops the child
(raising :class:`Stopped` in it, so its ``finally`` blocks still run).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

Mine = TypeVar("Mine")
Theirs = TypeVar("Theirs")


class HelperDied(RuntimeError):
    """The child ended without sending its half back."""


class OtherSnapshot(Exception):
    """Raised by the child's half when it cannot read what the parent reads
    (the database was written since the parent's reading began): the parent
    then does that half itself (``in_two``'s ``instead``)."""


class Stopped(BaseException):
    """SIGTERM or SIGINT in the child: unwind (its temporary files go), then exit."""


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether :func:`in_two` may be used here: a platform that forks, no
    other Python thread in this process and no Qt loaded (a fork copies only
    the calling thread, so a lock another thread held would stay held in the
    child; Qt's threads are not Python's, so the window's process is known by
    Qt being loaded), and a second core."""
    return (
        hasattr(os, "fork")
        and threading.active_count() == 1
        and QT_MODULE not in sys.modules
        and cores() > 1
    )


QT_MODULE = "PySide6.QtCore"
"""Loaded in the window's process (and never in the command line's, nor in
a worker's: docs/design.md, "Worker processes")."""


@contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM wait until the block is done: for steps that
    must not be cut in two, such as making a temporary file and noting its name
    for removal. A signal that came meanwhile acts when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def in_two(
    mine: Callable[[], Mine], theirs: Callable[[], Theirs], instead: Callable[[], Theirs]
) -> tuple[Mine, Theirs]:
    """Run ``mine`` here and ``theirs`` in a forked child at the same time; both
    results, once both are done. What ``theirs`` raises is raised here (after
    ``mine`` is done), but for :class:`OtherSnapshot`: then ``instead`` is run
    here, after ``mine``, for the second result. If ``mine`` raises, or Ctrl-C
    comes, the child is stopped. ``theirs`` must not use a connection or file
    opened before the fork, and its result must pickle."""
    read_fd, write_fd = os.pipe()
    pid = 0
    try:
        # No Ctrl-C while forking: the child sets its own handlers first, and
        # the parent notes the child's pid, so a Ctrl-C after this stops it.
        with signals_held():
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(read_fd)
                _child(theirs, write_fd)
            os.close(write_fd)
            write_fd = -1
        first = mine()
        with os.fdopen(read_fd, "rb") as pipe:
            read_fd = -1
            payload = pipe.read()
        os.waitpid(pid, 0)
        pid = 0
        outcome = pickle.loads(payload) if payload else HelperDied("the helper process died")
        if isinstance(outcome, OtherSnapshot):
            return first, instead()
        if isinstance(outcome, BaseException):
            raise outcome
        return first, outcome
    finally:
        if pid:
            _stop(pid)
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)


def _raise_stopped(signum: int, frame: object) -> None:
    raise Stopped


def _child(theirs: Callable[[], object], write_fd: int) -> NoReturn:
    """The child's half; its outcome (the result, or the exception) is pickled
    to the parent. Nothing it does reaches the parent's code or the terminal:
    every way out is ``os._exit``."""
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
            outcome = theirs()
        except Stopped:
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
