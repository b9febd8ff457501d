"""The window's worker processes: work that would hold the GIL against the
window for a second or more runs in a Python process of its own
(docs/design.md, "Worker processes").

Each kind of work has one worker, a :class:`~concurrent.futures.ProcessPoolExecutor`
of one process: ``"suggestions"`` (a long article's suggestions,
:mod:`annotator.ui.suggestions`) and ``"report"`` (the agreement report's
figures, :mod:`annotator.ui.review.report`). A worker is spawned, never forked
(the window's process runs Qt's threads), on first need or when warmed, and
lives for the program; it opens the project itself from its folder. The
functions it runs are Qt-free (``annotator.app``) and their answers come back
pickled; the caller hands them to the GUI thread through a queued signal.

:func:`stop_worker` ends a worker: politely when idle, at once
(``now``) when what it computes is no longer wanted, so that closing a report,
or the program, never waits for it.
"""

from __future__ import annotations

import atexit
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

SUGGESTIONS = "suggestions"
REPORT = "report"

_pools: dict[str, ProcessPoolExecutor] = {}
_hooked = False
_ended: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()
"""Workers ended on purpose (``now``): what they were given is to be asked again, if wanted."""


def worker_pool(kind: str) -> ProcessPoolExecutor:
    """The worker of this kind, started on first need (one process); another
    in its place if its process died."""
    # Imported here: multiprocessing and the pool cost tens of milliseconds of
    # every window's start, and most sessions never need a worker.
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    global _hooked
    pool = _pools.get(kind)
    if pool is not None and getattr(pool, "_broken", False):  # its process died
        stop_worker(kind, now=True)
        pool = None
    if pool is None:
        if not _hooked:
            _hooked = True
            atexit.register(stop_workers)
            from PySide6.QtCore import QCoreApplication

            app = QCoreApplication.instance()
            if app is not None:
                # Python's own exit waits for a worker's running task: end the report's first.
                app.aboutToQuit.connect(_quitting)
        pool = _pools[kind] = ProcessPoolExecutor(
            max_workers=1, mp_context=get_context("spawn"), initializer=leave_with_parent
        )
    return pool


def leave_with_parent() -> None:
    """In the worker: end when the window's process ends, however it ends.

    A pool's process waits for work on a pipe whose writing end it holds
    itself, so a window killed (or crashed) would leave it waiting for ever.
    On Linux the kernel sends it SIGTERM when its parent dies (no thread
    needed); elsewhere a thread watches the parent's sentinel."""
    import os
    import sys
    from multiprocessing import parent_process

    parent = parent_process()
    if parent is None:
        return
    import signal

    # Ended (SIGTERM: stop_worker, or the parent's death below), the worker
    # unwinds, so what it runs cleans up: a helper it forked is stopped.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent.pid:  # it died before that was said
            os._exit(0)
        return
    import threading
    from multiprocessing.connection import wait

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()


EXIT_GRACE_SECONDS = 5
"""How long an ended worker may take to unwind before the kernel ends it."""


def _exit_on_signal(signum: int, frame: object) -> None:
    # Unwinding lets what runs clean up (a helper it forked is stopped), but
    # concurrent.futures catches BaseException around a task and around
    # sending its result back: a SystemExit raised there is swallowed, and the
    # worker would wait for work for ever (its window dead). The alarm's
    # default action ends it if it is still here then.
    import signal

    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(EXIT_GRACE_SECONDS)
    raise SystemExit(128 + signum)


def stop_worker(kind: str, *, now: bool = False) -> None:
    """End the worker of this kind (a later :func:`worker_pool` starts another).

    Idle, it is shut down and waited for. ``now``: what it runs is not wanted;
    its process is terminated rather than waited for (what Python 3.14's
    ``ProcessPoolExecutor.terminate_workers`` does).
    """
    pool = _pools.pop(kind, None)
    if pool is None:
        return
    if not now:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    _ended.add(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            if process.is_alive():
                process.terminate()
        except (ValueError, ProcessLookupError):  # closed, or already gone
            continue
    for process in processes:
        try:
            process.join(timeout=5)
        except (ValueError, AssertionError):
            continue


def ended_on_purpose(pool: ProcessPoolExecutor) -> bool:
    """Whether this worker was ended by :func:`stop_worker` (``now``) rather than died."""
    return pool in _ended


def stop_workers() -> None:
    """End every worker at exit while the interpreter is whole (a pool left to
    the final clean-up finds its modules gone and prints a traceback)."""
    for kind in list(_pools):
        stop_worker(kind)


def _quitting() -> None:
    # The report's answers go through a relay that outlives the report; the
    # suggestions' go to the window's own object, so their worker is left to
    # finish at exit (stop_workers), while the window is whole.
    stop_worker(REPORT, now=True)


def warm(kind: str, task: object) -> None:
    """Start this kind's worker now and have it run ``task`` (an importable,
    argument-free function that loads what the work needs), so that the first
    request does not pay for Python's start-up and the imports."""
    if kind not in _pools:
        worker_pool(kind).submit(task)  # type: ignore[arg-type]
