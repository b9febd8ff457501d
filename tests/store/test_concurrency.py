"""Several processes edit the same documents at once; nothing is lost or doubled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from annotator.core.model import DocumentDraft
from annotator.store import repository as repo
from annotator.store.db import open_database

WORKERS = 4
EDITS = 40


def replay(ack_file: Path) -> tuple[dict[int, tuple[str, int, int]], int]:
    """The spans a worker should have, from what it was told had been saved."""
    alive: dict[int, tuple[str, int, int]] = {}
    count = 0
    for line in ack_file.read_bytes().splitlines():
        record = orjson.loads(line)
        count += 1
        if record["op"] == "add":
            alive[record["id"]] = (record["label"], record["start"], record["end"])
        elif record["op"] == "relabel":
            _, start, end = alive[record["id"]]
            alive[record["id"]] = (record["label"], start, end)
        else:
            del alive[record["id"]]
    return alive, count


def test_concurrent_editors_lose_nothing(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url, create=True)
    with db.session() as s:
        ids = repo.insert_documents(
            s, [DocumentDraft(text=f"{n} " + "word " * 60) for n in range(3)]
        )
    doc_ids = ",".join(str(i) for i in ids)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.store.concurrent_worker",
                database_url,
                f"w{n}",
                doc_ids,
                str(EDITS),
                str(tmp_path / f"w{n}.acks"),
                str(n),
            ],
            stderr=subprocess.PIPE,
        )
        for n in range(WORKERS)
    ]
    errors = [p.communicate(timeout=240)[1].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    assert not any("locked" in e for e in errors)
    with db.reader() as s:
        stored = [span for doc in ids for span in repo.list_spans(s, doc)]  # type: ignore[arg-type]
        log = repo.change_log(s)
    db.close()
    for n in range(WORKERS):
        expected, acknowledged = replay(tmp_path / f"w{n}.acks")
        assert acknowledged == EDITS
        mine = {sp.id: (sp.label, sp.start, sp.end) for sp in stored if sp.annotator == f"w{n}"}
        assert mine == expected  # every acknowledged edit is there, exactly once
        entries = [e for e in log if e["annotator"] == f"w{n}"]
        assert len(entries) == acknowledged  # and the change log accounts for each
