"""Eight analysts at once: imports, edits and backups on one project, nothing lost or doubled.

Each round starts eight programs at the same moment (team_worker.py): four
import the same 20 articles as labeled doccano files, each ``--as`` a
different analyst (two of them with ``--add-labels`` and a label of their
own), two import the same articles as plain JSONL, one edits through the
window's edit store, one through the real annotation window (offscreen), and
one runs ``annotator backup``. The daily backup is due when they
start, so every program that opens the project tries to take it.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import orjson
from sqlalchemy import func, select

from annotator.core.model import DocumentDraft
from annotator.io.backup import check_backup, list_backups
from annotator.io.project import load_project
from annotator.store import repository as repo
from annotator.store.live import changes_since
from annotator.store.models import ChangeLog, Document, Relation

ROUNDS = 2
ARTICLES = 20
EDITS = 15
LABELED = 4
PLAIN = 2


def article(round_: int, n: int) -> str:
    return (
        f'Round {round_}, article {n}. Jane Doe said "we will act now" in Astana '
        f"on day {n}. The ministry of round {round_} agreed."
    )


def write_inputs(folder: Path, round_: int) -> None:
    folder.mkdir(parents=True)
    for k in range(LABELED):
        lines = []
        for n in range(ARTICLES):
            text = article(round_, n)
            quote = text.index('"')
            entities = [
                {"id": 0, "start_offset": text.index("Jane"), "end_offset": text.index(" said"),
                 "label": "Person"},
                {"id": 1, "start_offset": quote, "end_offset": text.index('"', quote + 1) + 1,
                 "label": "Quote"},
                {"id": 2, "start_offset": text.index("Astana"),
                 "end_offset": text.index("Astana") + 6, "label": "Location"},
            ]  # fmt: skip
            if k < 2:  # a label the schema lacks: --add-labels puts it in project.yaml
                at = text.index("ministry")
                entities.append(
                    {"id": 3, "start_offset": at, "end_offset": at + 8, "label": f"Topic{k}"}
                )
            relations = [{"id": 0, "from_id": 1, "to_id": 0, "type": "speaker"}]
            lines.append(orjson.dumps({"text": text, "entities": entities, "relations": relations}))
        (folder / f"labeled{k}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    plain = [orjson.dumps({"text": article(round_, n)}) for n in range(ARTICLES)]
    (folder / "plain.jsonl").write_bytes(b"\n".join(plain) + b"\n")


def expected_spans(round_: int, k: int) -> set[tuple[str, str, int, int]]:
    found = set()
    for n in range(ARTICLES):
        text = article(round_, n)
        quote = text.index('"')
        found |= {
            (text, "Person", text.index("Jane"), text.index(" said")),
            (text, "Quote", quote, text.index('"', quote + 1) + 1),
            (text, "Location", text.index("Astana"), text.index("Astana") + 6),
        }
        if k < 2:
            found.add((text, f"Topic{k}", text.index("ministry"), text.index("ministry") + 8))
    return found


def run_round(project: Path, round_: int, tmp: Path, doc_ids: list[int]) -> None:
    shutil.rmtree(project / "backups", ignore_errors=True)  # the daily backup is due
    inputs = tmp / f"inputs{round_}"
    write_inputs(inputs, round_)
    go = tmp / f"go{round_}"
    worker = [sys.executable, "-m", "tests.store.team_worker"]
    commands = [
        [*worker, "cli", str(go), "import", str(project), str(inputs / f"labeled{k}.jsonl"),
         "--format", "doccano", "--as", f"r{round_}a{k}", "-q",
         *(["--add-labels"] if k < 2 else [])]
        for k in range(LABELED)
    ]  # fmt: skip
    commands += [
        [*worker, "cli", str(go), "import", str(project), str(inputs / "plain.jsonl"), "-q"]
        for _ in range(PLAIN)
    ]
    acks = tmp / f"edits{round_}.acks"
    commands.append(
        [*worker, "edit", str(go), str(project), f"r{round_}editor",
         ",".join(map(str, doc_ids)), str(EDITS), str(acks)]
    )  # fmt: skip
    window_acks = tmp / f"window{round_}.acks"
    commands.append(
        [*worker, "window", str(go), str(project), f"r{round_}window",
         ",".join(map(str, doc_ids)), str(EDITS), str(window_acks)]
    )  # fmt: skip
    commands.append([*worker, "cli", str(go), "backup", str(project)])
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands]
    go.touch()
    outcomes = []
    for command, proc in zip(commands, procs, strict=True):
        _, err = proc.communicate(timeout=120)
        outcomes.append((command[3:], proc.returncode, err.decode()))
    failed = [(c, code, err) for c, code, err in outcomes if code != 0 or complaints(err)]
    assert not failed, failed  # every program did all of its work, and said nothing wrong

    prj = load_project(project)
    assert {"Topic0", "Topic1"} <= set(prj.schema.label_names)  # both --add-labels kept
    db = prj.open_database()
    try:
        with db.reader() as s:
            texts = [t for (t,) in s.execute(select(Document.text))]
            for n in range(ARTICLES):
                assert texts.count(article(round_, n)) == 1
            by_id = dict(s.execute(select(Document.id, Document.text)).all())
            for k in range(LABELED):
                name = f"r{round_}a{k}"
                spans = [
                    (by_id[sp.document_id], sp.label, sp.start, sp.end)
                    for doc in by_id
                    for sp in repo.list_spans(s, doc, [name])
                ]
                assert len(spans) == len(set(spans))  # each exactly once
                assert set(spans) == expected_spans(round_, k)
                relations = s.scalar(
                    select(func.count())
                    .select_from(Relation)
                    .where(Relation.annotator_id == repo.annotator_id(s, name, create=False))
                )
                assert relations == ARTICLES
            # The feed an open window reads has every imported span as added.
            feed = changes_since(s, 0)
            for k in range(LABELED):
                name = f"r{round_}a{k}"
                added = {i for i, sp in feed.changes.added_spans.items() if sp.annotator == name}
                assert len(added) == len(expected_spans(round_, k))
            expected, acknowledged = replay_edits(acks)
            assert acknowledged == EDITS
            stored = {
                sp.id: (sp.start, sp.end)
                for doc in doc_ids
                for sp in repo.list_spans(s, doc, [f"r{round_}editor"])
            }
            assert stored == expected
            expected, acknowledged = replay_edits(window_acks)
            assert acknowledged == EDITS
            stored = {
                sp.id: (sp.start, sp.end)
                for doc in doc_ids
                for sp in repo.list_spans(s, doc, [f"r{round_}window"])
            }
            assert stored == expected
            assert s.scalar(select(func.count()).select_from(ChangeLog)) > 0
    finally:
        db.close()
    backups = list_backups(project)
    # The one asked for, and on SQLite the day's automatic one (taken once).
    assert len(backups) == (2 if (project / "annotator.sqlite").exists() else 1)
    for backup in backups:
        check_backup(backup)
    assert not list((project / "backups").glob("*.partial*"))  # no half-written copies left


def complaints(stderr: str) -> list[str]:
    """What a program said on stderr, less the note that labels were added.

    The offscreen Qt platform says once that it cannot size a real window; that
    is Qt's note about the test platform, not the program's.
    """
    return [
        line
        for line in stderr.splitlines()
        if line.strip()
        and not line.startswith("Added to the schema in project.yaml: ")
        and line != "This plugin does not support propagateSizeHints()"
    ]


def replay_edits(acks: Path) -> tuple[dict[int, tuple[int, int]], int]:
    alive: dict[int, tuple[int, int]] = {}
    count = 0
    for line in acks.read_bytes().splitlines():
        record = orjson.loads(line)
        count += 1
        if record["op"] == "add":
            alive[record["id"]] = (record["start"], record["end"])
        else:
            del alive[record["id"]]
    return alive, count


def test_eight_analysts_at_once(project_dir: Path, tmp_path: Path) -> None:
    db = load_project(project_dir).open_database()
    with db.session() as s:
        ids = repo.insert_documents(
            s, [DocumentDraft(text=f"Desk note {n}: " + "word " * 30) for n in range(3)]
        )
    db.close()
    doc_ids = [i for i in ids if i is not None]
    for round_ in range(ROUNDS):
        run_round(project_dir, round_, tmp_path, doc_ids)
    path = project_dir / "annotator.sqlite"
    if path.exists():
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
