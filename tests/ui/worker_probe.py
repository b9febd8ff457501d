"""Run in the suggestions worker process by tests/ui/test_assist_background.py
(a module of its own, so that the worker imports nothing else to run it)."""

from __future__ import annotations

import os


def state() -> tuple[int, list[tuple[str, str]]]:
    """The worker's process id, and the (project, user) pairs it made suggestions for."""
    from annotator.app import assist

    return os.getpid(), [(project, user) for project, user, _ in assist._worker_assistants]


def threads() -> tuple[int, int]:
    """The worker's process id and how many threads it runs (one: it may fork)."""
    import threading

    return os.getpid(), threading.active_count()


def wait(seconds: float) -> None:
    """Keep the worker busy for a while."""
    import time

    time.sleep(seconds)


def fork_and_wait(pid_file: str) -> None:
    """Fork a helper as the agreement does (annotator.core.forked.in_two) and
    keep both busy; the helper writes its process id to ``pid_file``."""
    import time

    from annotator.core.forked import in_two

    def helper() -> None:
        with open(pid_file + ".tmp", "w") as out:
            out.write(str(os.getpid()))
        os.rename(pid_file + ".tmp", pid_file)
        time.sleep(120)

    in_two(lambda: time.sleep(120), helper, helper)
