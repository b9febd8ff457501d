"""Work shared with a forked child (annotator.core.forked): both halves come
back; what the child raises is raised in the parent, our own problems intact;
a child that dies is said to have died; a parent that fails stops the child.

Each case runs in a process of its own: the test runner may have threads, and
forking is for a process without them."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import orjson
import pytest

from annotator.core import forked
from annotator.core.errors import DatabaseProblem, InputProblem, ProjectProblem, SaveFailed


def _run(body: str) -> object:
    """Run ``body`` (which sets ``result``) in a new process; its ``result``."""
    script = (
        "import os, sys, time, orjson\n"
        "from annotator.core.forked import in_two, can_fork, HelperDied\n"
        "from annotator.core.errors import DatabaseProblem, InputProblem\n"
        f"{body}\n"
        "sys.stdout.buffer.write(orjson.dumps(result))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return orjson.loads(done.stdout)


def test_both_halves_come_back_each_from_its_own_process() -> None:
    result = _run(
        "assert can_fork()\n"
        "mine, theirs = in_two(lambda: (os.getpid(), 'first'), lambda: (os.getpid(), 'second'), None)\n"
        "result = [mine, theirs, os.getpid()]"
    )
    (mine_pid, mine), (theirs_pid, theirs), parent = result  # type: ignore[misc]
    assert (mine, theirs) == ("first", "second")
    assert mine_pid == parent and theirs_pid != parent


def test_what_the_child_raises_is_raised_in_the_parent_intact() -> None:
    result = _run(
        "def fail():\n"
        "    raise DatabaseProblem('/p/annotator.sqlite', 'could not be read (disk I/O error)')\n"
        "try:\n"
        "    in_two(lambda: 1, fail, None)\n"
        "except DatabaseProblem as exc:\n"
        "    result = [type(exc).__name__, exc.where, exc.reason, str(exc)]\n"
    )
    assert result == [
        "DatabaseProblem",
        "/p/annotator.sqlite",
        "could not be read (disk I/O error)",
        "/p/annotator.sqlite: could not be read (disk I/O error)",
    ]


def test_a_child_on_another_snapshot_leaves_its_half_to_the_parent() -> None:
    result = _run(
        "from annotator.core.forked import OtherSnapshot\n"
        "def elsewhere():\n"
        "    raise OtherSnapshot('written meanwhile')\n"
        "result = [in_two(lambda: 'first', elsewhere, lambda: ('second', os.getpid())), os.getpid()]"
    )
    (first, (second, pid)), parent = result  # type: ignore[misc]
    assert (first, second, pid) == ("first", "second", parent)


def test_a_child_that_dies_is_said_to_have_died() -> None:
    result = _run(
        "try:\n"
        "    in_two(lambda: 1, lambda: os._exit(3), None)\n"
        "except HelperDied as exc:\n"
        "    result = str(exc)\n"
    )
    assert result == "the helper process died"


def test_a_failing_parent_stops_the_child_at_once() -> None:
    result = _run(
        "r, w = os.pipe()\n"
        "def slow():\n"
        "    os.write(w, str(os.getpid()).encode()); time.sleep(60)\n"
        "def fail():\n"
        "    time.sleep(0.2); raise ValueError('the first half failed')\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    in_two(fail, slow, None)\n"
        "except ValueError as exc:\n"
        "    took = time.monotonic() - started\n"
        "    child = int(os.read(r, 20))\n"
        "    try:\n"
        "        os.kill(child, 0); alive = True\n"
        "    except ProcessLookupError:\n"
        "        alive = False\n"
        "    result = [str(exc), took < 10, alive]\n"
    )
    assert result == ["the first half failed", True, False]


@pytest.mark.parametrize(
    "problem",
    [
        DatabaseProblem("/p/annotator.sqlite", "could not be read"),
        SaveFailed("/p/annotator.sqlite", "the disk is full"),
        InputProblem("/data/in.jsonl", "bad offsets", 12),
        ProjectProblem("/p", "no project.yaml"),
    ],
)
def test_our_problems_survive_pickling(problem: Exception) -> None:
    back = pickle.loads(pickle.dumps(problem))
    assert type(back) is type(problem)
    assert str(back) == str(problem)
    assert vars(back) == vars(problem)


def test_forking_only_from_a_process_without_other_threads_nor_qt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)
    assert not forked.can_fork()
    monkeypatch.setattr(forked.threading, "active_count", lambda: 1)
    monkeypatch.setattr(forked, "cores", lambda: 1)
    assert not forked.can_fork()
    monkeypatch.setattr(forked, "cores", lambda: 2)
    monkeypatch.setitem(sys.modules, forked.QT_MODULE, sys)  # the window's process
    assert not forked.can_fork()
    monkeypatch.delitem(sys.modules, forked.QT_MODULE)
    assert forked.can_fork() == hasattr(os, "fork")
