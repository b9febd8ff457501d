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
    db_file: Path, doc_id: int, run: int, rng: random.Random, *, window: bool = False
) -> dict[str, Any]:
    """Start an editing process (the store alone, or the real window offscreen),
    SIGKILL it at a random moment, check what it acknowledged."""
    name = f"run{run}"
    log = db_file.parent / f"{name}.log"
    if window:
        args = ["tests.crash.window_worker", str(db_file.parent), name, str(log), str(run)]
        wait = rng.uniform(1.5, 3.5)  # the window's start-up takes about a second
    else:
        args = [
            "tests.crash.edit_worker",
            sqlite_url(db_file),
            name,
            str(doc_id),
            str(log),
            str(run),
        ]
        wait = rng.uniform(0.6, 2.0)  # start-up takes ~0.4 s; then edits
    proc = subprocess.Popen([sys.executable, "-m", *args], stderr=subprocess.PIPE)
    time.sleep(wait)
    proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate()
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
    return {"acks": acks, "integrity": integrity_ok(db_file), "consistent": consistent,
            "stderr": stderr.decode()}  # fmt: skip


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


def kill_import(
    project: Path, articles: Path, rng: random.Random, window: tuple[float, float] = (0.3, 1.2)
) -> dict[str, Any]:
    """Kill `annotator import` at a random moment; every stored document must be whole."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "annotator", "import", str(project), str(articles)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(rng.uniform(*window))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    db_file = project / "annotator.sqlite"
    with closing(sqlite3.connect(db_file)) as conn:
        rows = conn.execute("SELECT text, length, content_hash FROM documents").fetchall()
    from annotator.core.model import content_hash

    whole = all(
        len(text) == length and content_hash(text) == digest for text, length, digest in rows
    )
    return {"stored": len(rows), "integrity": integrity_ok(db_file), "whole": whole}
