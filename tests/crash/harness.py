"""Kill a process at a random moment; check the database afterwards.

Used by tests/crash (a few kills) and benchmarks/crash_test.py (many).
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson

from annotator.core.model import DocumentDraft
from annotator.store import repository as repo
from annotator.store.db import open_database, sqlite_url

SpanState = dict[int, tuple[str, int, int]]


def integrity_ok(db_file: Path) -> bool:
    with closing(sqlite3.connect(db_file)) as conn:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def new_edit_database(folder: Path) -> tuple[Path, int]:
    """A project in ``folder`` (the window opens it) with one article; its database file."""
    from annotator.io.project import create_project

    create_project(folder, name="crash")
    db_file = folder / "annotator.sqlite"
    db = open_database(sqlite_url(db_file))
    with db.session() as s:
        (doc_id,) = repo.insert_documents(s, [DocumentDraft(text="Astana 🇰🇿 " * 60)])
    db.close()
    assert doc_id is not None
    return db_file, doc_id


def apply(state: SpanState, record: dict[str, Any]) -> None:
    if record["op"] == "add":
        state[record["id"]] = (record["label"], record["start"], record["end"])
    elif record["op"] == "relabel":
        _, start, end = state[record["id"]]
        state[record["id"]] = (record["label"], start, end)
    else:
        del state[record["id"]]


def kill_edit_worker(
    db_file: Path, doc_id: int, name: str, seed: int, wait: float, *, window: bool = False
) -> dict[str, Any]:
    """Start an editing process (the store alone, or the real window offscreen)
    as annotator ``name``, SIGKILL it ``wait`` seconds later, check what it acknowledged.

    ``landed`` says whether the kill came mid-operation: the process was still
    running and had acknowledged edits; ``missed`` is "before" when it had
    acknowledged none yet. A process that ended by itself is a failure.
    """
    log = db_file.parent / f"{name}.log"
    if window:
        args = ["tests.crash.window_worker", str(db_file.parent), name, str(log), str(seed)]
    else:
        args = ["tests.crash.edit_worker", sqlite_url(db_file), name, str(doc_id), str(log),
                str(seed)]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", *args], stderr=subprocess.PIPE)
    time.sleep(wait)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate()
    killed = alive and proc.returncode == -signal.SIGKILL
    acknowledged: SpanState = {}
    pending: dict[str, Any] | None = None
    acks = 0
    for line in (log.read_bytes() if log.exists() else b"").splitlines():
        kind, _, payload = line.partition(b" ")
        record = orjson.loads(payload)
        if kind == b"intent":
            pending = record
        else:
            apply(acknowledged, record)
            pending = None
            acks += 1
    db = open_database(sqlite_url(db_file))
    with db.reader() as s:
        stored = {sp.id: (sp.label, sp.start, sp.end) for sp in repo.list_spans(s, doc_id, [name])}
    db.close()
    consistent = stored == acknowledged
    if not consistent and pending is not None:
        # The edit in flight at the kill may have committed before its acknowledgement.
        if pending["op"] == "add":
            extra = set(stored) - set(acknowledged)
            consistent = (
                len(extra) == 1
                and stored[next(iter(extra))]
                == (pending["label"], pending["start"], pending["end"])
                and {k: v for k, v in stored.items() if k not in extra} == acknowledged
            )
        else:
            after = dict(acknowledged)
            apply(after, pending)
            consistent = stored == after
    return {
        "acks": acks,
        "integrity": integrity_ok(db_file),
        "consistent": consistent,
        "ok": killed and integrity_ok(db_file) and consistent,
        "landed": killed and acks > 0,
        "missed": "before" if killed and acks == 0 else None,
        "wait": wait,
        "stderr": stderr.decode(errors="replace"),
    }


def kill_until_landed(
    kill: Callable[[float], dict[str, Any]],
    rng: random.Random,
    window: tuple[float, float],
    attempts: int = 5,
) -> list[dict[str, Any]]:
    """Kill at a random moment ``window`` seconds after the start, again until a
    kill lands mid-operation: every attempt's result, the last one landed unless
    ``attempts`` ran out or one failed. A kill before anything was written moves
    the window later; one after the process finished moves it earlier.
    """
    low, high = window
    finished_by: float | None = None  # the earliest moment the process had finished
    results: list[dict[str, Any]] = []
    for _ in range(attempts):
        wait = rng.uniform(low, high)
        result = kill(wait)
        results.append(result)
        if result["landed"] or not result["ok"]:
            break
        if result["missed"] == "before":  # later: between this moment and the end
            low = wait
            high = finished_by if finished_by is not None else wait + window[1] - window[0]
        else:  # earlier
            finished_by = high = wait
    return results


def make_articles(folder: Path, count: int, seed: int = 0) -> dict[str, str]:
    """Write ``count`` small articles; returns their texts by content hash."""
    from annotator.core.model import content_hash
    from benchmarks.common import article

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    for n in range(count):
        text = article(rng, 1500)
        (folder / f"a{n:05d}.txt").write_text(text, encoding="utf-8")
        texts[content_hash(text)] = text
    return texts


def count_documents(project: Path) -> int:
    with closing(sqlite3.connect(project / "annotator.sqlite")) as conn:
        return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])


def kill_import(project: Path, articles: Path, total: int, wait: float) -> dict[str, Any]:
    """Kill `annotator import` of ``total`` articles ``wait`` seconds after its start;
    every stored document must be whole.

    ``landed`` says whether the kill came mid-import: the process was still
    running and had stored some of the articles but not all; ``missed`` is
    "before" (nothing stored yet) or "after" (all stored, or the import ended).
    """
    before = count_documents(project)
    proc = subprocess.Popen(
        [sys.executable, "-m", "annotator", "import", str(project), str(articles)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(wait)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate()
    killed = alive and proc.returncode == -signal.SIGKILL
    db_file = project / "annotator.sqlite"
    with closing(sqlite3.connect(db_file)) as conn:
        rows = conn.execute("SELECT text, length, content_hash FROM documents").fetchall()
    from annotator.core.model import content_hash

    whole = all(
        len(text) == length and content_hash(text) == digest for text, length, digest in rows
    )
    stored = len(rows)
    finished = proc.returncode == 0 or stored >= total
    integrity = integrity_ok(db_file)
    return {
        "stored": stored,
        "before": before,
        "integrity": integrity,
        "whole": whole,
        # An import that ended by itself must have succeeded.
        "ok": integrity and whole and (killed or proc.returncode == 0),
        "landed": killed and before < stored < total,
        "missed": None if not (killed or proc.returncode == 0) or before < stored < total else (
            "after" if finished else "before"),
        "wait": wait,
        "stderr": stderr.decode(errors="replace"),
    }  # fmt: skip
