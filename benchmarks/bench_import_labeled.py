"""`annotator import` of labeled data, the whole command as the user runs it (issue 14).

Builds a doccano JSONL file of 1,000 generated news articles (about 5 KB each)
with 50,000 spans (50 a document, labels from the project's schema, in
doccano's relation form: ``entities`` and ``relations``, 5,000 relations from
a Quote to its Person), then times, in a fresh process each time and on a new
project each time (median of ``--runs``)::

    .venv/bin/annotator import PROJECT FILE --format doccano --as ana

and the same with ``--add-labels`` on a copy of the file in which a tenth of
the spans carry labels the schema lacks (DATE, MISC: added to project.yaml).

The floor, measured in the same run the same way: a bare Python process that
reads the file with orjson and inserts the same rows (documents, spans,
relations, statuses and a change-log row for each span and relation) with
sqlite3 ``executemany`` into a new project's database (same tables, indexes
and full-text trigger), with the project's settings (WAL, synchronous=FULL),
one transaction. It checks nothing: no offsets, no duplicates, no labels.

Also shown: ``python -c pass`` (the interpreter alone), the command's
start-up: ``annotator import --help``, which loads the command line and
stops before reading anything, and a process that loads only the modules the
import runs on (what a command line that loads nothing else would pay). Peak RSS of each process is read with wait4
from a small process that starts it. Exits with 1 when a run fails (exit
code not 0, or the project does not hold the expected rows) or the import
misses its target.

    .venv/bin/python -m benchmarks.bench_import_labeled [--docs 1000] [--spans 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

from annotator.io.project import create_project
from benchmarks.common import article, installed_env, print_table

TARGET_SECONDS = 0.8
ANNOTATOR = str(Path(sys.executable).with_name("annotator"))
ENTITY_LABELS = ("Person", "Organization", "Location", "Event", "Other", "Claim")
UNKNOWN_LABELS = ("DATE", "MISC")
_WORD = re.compile(r"\w+")


def generate(path: Path, docs: int, spans: int, *, unknown: bool = False) -> tuple[int, int]:
    """Write the doccano file; returns (spans, relations) written."""
    rng = random.Random(14)
    total_spans = total_relations = 0
    with path.open("wb") as out:
        for n in range(docs):
            text = f"Report {n}. {article(rng)}"
            words = [m.span() for m in _WORD.finditer(text)]
            step = len(words) // spans
            entities = []
            for k in range(spans):
                start, end = words[k * step]
                if k % 10 == 9:
                    end = words[k * step + 1][1]  # some spans of two words
                if k % 10 == 4:
                    label = "Quote"
                elif unknown and k % 10 == 7:
                    label = UNKNOWN_LABELS[k % 20 // 10]
                else:
                    label = ENTITY_LABELS[(k + n) % len(ENTITY_LABELS)]
                entities.append({"id": n * 1000 + k, "label": label, "start_offset": start,
                                 "end_offset": end})  # fmt: skip
            relations = []
            for k in range(4, spans - 1, 10):  # each Quote said by a Person
                speaker = k + 1
                entities[speaker]["label"] = "Person"
                relations.append({"id": n * 1000 + k, "from_id": entities[k]["id"],
                                  "to_id": entities[speaker]["id"], "type": "speaker"})  # fmt: skip
            record = {"id": n + 1, "text": text, "entities": entities, "relations": relations,
                      "Comments": []}  # fmt: skip
            out.write(orjson.dumps(record) + b"\n")
            total_spans += len(entities)
            total_relations += len(relations)
    return total_spans, total_relations


FLOOR = r"""
import sys, sqlite3, hashlib, orjson
from datetime import datetime, UTC
path, db = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=FULL")
now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
conn.execute("BEGIN")
ann = conn.execute("INSERT INTO annotators (name, created_at) VALUES ('ana', ?)", (now,)).lastrowid
docs, spans, rels, logs, statuses = [], [], [], [], []
next_doc = next_span = next_rel = 1
with open(path, "rb") as f:
    for line in f:
        r = orjson.loads(line)
        text = r["text"]
        doc = next_doc
        next_doc += 1
        meta = orjson.dumps({"Comments": r["Comments"]}).decode()
        docs.append((doc, "", "", "", "", meta, text, len(text),
                     hashlib.sha256(text.encode()).hexdigest(), now))
        ids = {}
        for e in r["entities"]:
            s, t = e["start_offset"], e["end_offset"]
            ids[e["id"]] = next_span
            spans.append((next_span, doc, ann, e["label"], s, t, text[s:t], "{}", "", now, now, 1))
            logs.append((now, ann, doc, "import", "span", next_span, None, orjson.dumps(
                {"document_id": doc, "annotator": "ana", "label": e["label"], "start": s,
                 "end": t, "text": text[s:t], "attributes": {}, "note": "", "version": 1}).decode()))
            next_span += 1
        for x in r["relations"]:
            rels.append((next_rel, doc, ann, x["type"], ids[x["from_id"]], ids[x["to_id"]], now))
            logs.append((now, ann, doc, "import", "relation", next_rel, None, orjson.dumps(
                {"annotator": "ana", "type": x["type"], "source_id": ids[x["from_id"]],
                 "target_id": ids[x["to_id"]]}).decode()))
            next_rel += 1
        statuses.append((doc, ann, "in_progress", now))
        logs.append((now, ann, doc, "import", "document", doc,
                     orjson.dumps({"annotator": "ana", "status": "new"}).decode(),
                     orjson.dumps({"annotator": "ana", "status": "in_progress"}).decode()))
conn.executemany("INSERT INTO documents (id, title, source, url, date, meta, text, length, "
                 "content_hash, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", docs)
conn.executemany('INSERT INTO spans (id, document_id, annotator_id, label, start, "end", text, '
                 "attributes, note, created_at, updated_at, version) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", spans)
conn.executemany("INSERT INTO relations (id, document_id, annotator_id, type, source_id, "
                 "target_id, created_at) VALUES (?,?,?,?,?,?,?)", rels)
conn.executemany("INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
                 "VALUES (?,?,?,?)", statuses)
conn.executemany('INSERT INTO change_log (at, annotator_id, document_id, action, entity, '
                 'entity_id, "before", "after") VALUES (?,?,?,?,?,?,?,?)', logs)
conn.execute("COMMIT")
conn.close()
"""

NEEDED = (
    "import annotator.app.transfer, annotator.io.labeled_import, annotator.io.formats.doccano, "
    "annotator.io.backup, annotator.store.import_sqlite"
)
"""The modules `annotator import --format doccano` runs on for an SQLite project
(the command line's own aside): no SQLAlchemy (docs/design.md, "Bulk paths")."""

_MEASURE = """
import os, subprocess, sys, time
with open(sys.argv[1], "wb") as err:
    started = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, elapsed)
"""
"""Runs a command; prints its exit code, peak RSS (KB) and wall time. Started from
this small process, not the benchmark's: a child's peak RSS starts at its parent's
size at the fork (Linux keeps the high-water mark across exec)."""


def measure(command: list[str], log: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one command in a process of its own."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(log), *command],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    code = int(out[0])
    if code not in (0, 2) or (code == 2 and "--add-labels" not in log.read_text()):
        print(f"{' '.join(command)}: exit {code}\n{log.read_text()[-2000:]}", file=sys.stderr)
    return float(out[2]), int(out[1]) / 1024, code


def counts(project: Path) -> tuple[int, int, int, int]:
    """(documents, spans, relations, change-log rows) in a project's database."""
    conn = sqlite3.connect(project / "annotator.sqlite")
    try:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "spans", "relations", "change_log")
        )
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--spans", type=int, default=50, help="spans a document")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="instead: the same import into a team project on a throwaway PostgreSQL "
        "server with fsync on, against a bare psycopg COPY floor (no target)",
    )
    args = parser.parse_args()
    if args.postgres:
        return on_postgres(args.docs, args.spans, args.runs)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-labeled-") as tmp:
        root = Path(tmp)
        labeled, unknown = root / "labeled.jsonl", root / "unknown.jsonl"
        n_spans, n_relations = generate(labeled, args.docs, args.spans)
        generate(unknown, args.docs, args.spans, unknown=True)
        size = labeled.stat().st_size / 1e6
        print(
            f"{args.docs:,} documents, {n_spans:,} spans, {n_relations:,} relations, "
            f"doccano JSONL {size:.1f} MB; median of {args.runs} runs, each a new process "
            "on a new project"
        )
        expected = (args.docs, n_spans, n_relations, n_spans + n_relations + args.docs)
        cases: list[tuple[str, list[str] | None]] = [
            ("python -c pass (the interpreter alone)", None),
            ("floor: orjson + sqlite3 executemany, one process", None),
            ("annotator import --help (command-line start-up)", None),
            ("python -c 'import the modules an import needs'", None),
            ("annotator import --format doccano --as ana", None),
            ("... --add-labels (a tenth of the spans new labels)", None),
        ]
        times: dict[int, list[float]] = {i: [] for i in range(len(cases))}
        peaks: dict[int, float] = dict.fromkeys(range(len(cases)), 0.0)
        env = installed_env(root / "pycache")
        run = 0
        for round_ in range(args.runs + 1):
            # Each round runs every case once, so load on the machine falls on all alike;
            # the first only compiles the modules (installed_env) and is not counted.
            for i in range(len(cases)):
                run += 1
                project = root / f"p{run}"
                log = root / f"run{run}.log"
                check: tuple[int, int, int, int] | None = None
                if i == 0:
                    command = [sys.executable, "-c", "pass"]
                elif i == 1:
                    create_project(project)
                    command = [sys.executable, "-c", FLOOR, str(labeled),
                               str(project / "annotator.sqlite")]  # fmt: skip
                    check = expected
                elif i == 2:
                    command = [ANNOTATOR, "import", "--help"]
                elif i == 3:
                    command = [sys.executable, "-c", NEEDED]
                elif i == 4:
                    create_project(project)
                    command = [ANNOTATOR, "import", str(project), str(labeled),
                               "--format", "doccano", "--as", "ana"]  # fmt: skip
                    check = expected
                else:
                    create_project(project)
                    command = [ANNOTATOR, "import", str(project), str(unknown), "--format",
                               "doccano", "--as", "ana", "--add-labels"]  # fmt: skip
                    check = expected
                seconds, peak, code = measure(command, log, env)
                if round_:
                    times[i].append(seconds)
                    peaks[i] = max(peaks[i], peak)
                if code != 0:
                    failures.append(f"{cases[i][0]}: exit {code}")
                elif check is not None and counts(project) != check:
                    failures.append(f"{cases[i][0]}: stored {counts(project)}, not {check}")
                elif i == 5:
                    text = (project / "project.yaml").read_text(encoding="utf-8")
                    if not all(f"name: {label}" in text for label in UNKNOWN_LABELS):
                        failures.append(f"{cases[i][0]}: labels not added to project.yaml")
        # Without --add-labels, unknown labels refuse the import: exit 2, nothing stored.
        project = root / "refused"
        create_project(project)
        _, _, code = measure([ANNOTATOR, "import", str(project), str(unknown), "--format",
                              "doccano", "--as", "ana"], root / "refused.log", env)  # fmt: skip
        if code != 2 or counts(project) != (0, 0, 0, 0):
            failures.append(f"unknown labels without --add-labels: exit {code}, "
                            f"stored {counts(project)}")  # fmt: skip
        medians = {i: statistics.median(t) for i, t in times.items()}
        floor_s = medians[1]
        rows = []
        for i, (what, _) in enumerate(cases):
            verdict = ""
            if i in (4, 5):
                ok = medians[i] <= TARGET_SECONDS
                verdict = "ok" if ok else f"over by {medians[i] - TARGET_SECONDS:.2f} s"
                if not ok:  # a missed target fails the run, as every benchmark's does
                    failures.append(f"{what}: {medians[i]:.3f} s, target <= {TARGET_SECONDS} s")
            spread = f"{min(times[i]):.2f}-{max(times[i]):.2f}"
            rows.append((what, f"{medians[i]:.3f}", spread, f"{medians[i] / floor_s:.2f}x",
                         f"{peaks[i]:.0f}", verdict))  # fmt: skip
        print_table(
            "Import of labeled data: the whole command, a new process each run",
            ("run", "median s", "min-max s", "vs floor", "peak RSS MB",
             f"target <= {TARGET_SECONDS} s"),
            rows,
        )  # fmt: skip
        startup, needed, command_s = medians[2], medians[3], medians[4]
        print(
            f"\nCommand-line start-up (import --help) is {startup:.3f} s, "
            f"{startup / command_s:.0%} of the import; the import past start-up is "
            f"{command_s - startup:.3f} s, {(command_s - startup) / floor_s:.2f}x the floor.\n"
            f"Loading only what an import needs takes {needed:.3f} s: a command line that "
            f"loaded nothing else would take about {command_s - startup + needed:.2f} s."
        )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


FLOOR_PG = r"""
import sys, hashlib, orjson, psycopg
from datetime import datetime, UTC
path, url = sys.argv[1], sys.argv[2]
now = datetime.now(UTC)
with psycopg.connect(url) as conn, conn.cursor() as cur:
    ann = cur.execute("INSERT INTO annotators (name, role, created_at) VALUES ('ana', 'annotator', %s) "
                      "RETURNING id", (now,)).fetchone()[0]
    records = [orjson.loads(line) for line in open(path, "rb")]
    n_spans = sum(len(r["entities"]) for r in records)
    n_rels = sum(len(r["relations"]) for r in records)
    def ids(table, n):
        seq = cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
        return [i for (i,) in cur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", (seq, n))]
    doc_ids, span_ids, rel_ids = ids("documents", len(records)), ids("spans", n_spans), ids("relations", n_rels)
    docs, spans, rels, logs, statuses = [], [], [], [], []
    s = r_ = 0
    for doc, r in zip(doc_ids, records):
        text = r["text"]
        docs.append((doc, "", "", "", "", orjson.dumps({"Comments": r["Comments"]}).decode(), text,
                     len(text), hashlib.sha256(text.encode()).hexdigest(), now))
        by_key = {}
        for e in r["entities"]:
            a, b = e["start_offset"], e["end_offset"]
            by_key[e["id"]] = span_ids[s]
            spans.append((span_ids[s], doc, ann, e["label"], a, b, text[a:b], "{}", "", now, now, 1))
            logs.append((now, ann, doc, "import", "span", span_ids[s], None, orjson.dumps(
                {"document_id": doc, "annotator": "ana", "label": e["label"], "start": a, "end": b,
                 "text": text[a:b], "attributes": {}, "note": "", "version": 1}).decode()))
            s += 1
        for x in r["relations"]:
            rels.append((rel_ids[r_], doc, ann, x["type"], by_key[x["from_id"]], by_key[x["to_id"]], now))
            logs.append((now, ann, doc, "import", "relation", rel_ids[r_], None, orjson.dumps(
                {"annotator": "ana", "type": x["type"], "source_id": by_key[x["from_id"]],
                 "target_id": by_key[x["to_id"]]}).decode()))
            r_ += 1
        statuses.append((doc, ann, "in_progress", now))
    for table, columns, rows in (
        ("documents", "id, title, source, url, date, meta, text, length, content_hash, created_at", docs),
        ("spans", 'id, document_id, annotator_id, label, start, "end", text, attributes, note, '
                  "created_at, updated_at, version", spans),
        ("relations", "id, document_id, annotator_id, type, source_id, target_id, created_at", rels),
        ("document_status", "document_id, annotator_id, status, updated_at", statuses),
        ("change_log", 'at, annotator_id, document_id, action, entity, entity_id, "before", "after"', logs),
    ):
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
"""
"""The PostgreSQL floor: the same rows as :data:`FLOOR`, ids from the sequences,
written by psycopg's COPY in one transaction, checking nothing."""


def on_postgres(docs: int, spans: int, runs: int) -> int:
    """The import into a team project on a throwaway server with fsync on."""
    from benchmarks.bench_team import drop_database, pg_database, throwaway_server

    failures: list[str] = []
    with (
        throwaway_server() as (url, admin),
        tempfile.TemporaryDirectory(prefix="bench-import-pg-") as tmp,
    ):
        root = Path(tmp)
        labeled = root / "labeled.jsonl"
        n_spans, n_relations = generate(labeled, docs, spans)
        env = installed_env(root / "pycache")
        times: dict[str, list[float]] = {"import": [], "floor": []}
        peaks: dict[str, float] = {"import": 0.0, "floor": 0.0}
        for run in range(runs + 1):  # the first only compiles the modules
            database = pg_database(admin, url)
            project = root / f"p{run}"
            create_project(project, database=database)
            seconds, peak, code = measure(
                [ANNOTATOR, "import", str(project), str(labeled), "--format", "doccano",
                 "--as", "ana"], root / f"run{run}.log", env,
            )  # fmt: skip
            if code != 0:
                failures.append(f"import: exit {code}")
            floor_db = pg_database(admin, url)
            create_project(root / f"f{run}", database=floor_db)
            floor_s, floor_peak, floor_code = measure(
                [sys.executable, "-c", FLOOR_PG, str(labeled),
                 floor_db.replace("postgresql+psycopg://", "postgresql://")],
                root / f"floor{run}.log", env,
            )  # fmt: skip
            if floor_code != 0:
                failures.append(f"floor: exit {floor_code}")
            for where in (database, floor_db):
                drop_database(admin, where)
            if run:
                times["import"].append(seconds)
                times["floor"].append(floor_s)
                peaks["import"] = max(peaks["import"], peak)
                peaks["floor"] = max(peaks["floor"], floor_peak)
        floor = statistics.median(times["floor"])
        rows = []
        for key, what in (
            ("import", "annotator import --format doccano --as ana (team project)"),
            ("floor", "floor: orjson + psycopg COPY, one transaction"),
        ):
            median = statistics.median(times[key])
            rows.append((what, f"{median:.3f}", f"{min(times[key]):.2f}-{max(times[key]):.2f}",
                         f"{median / floor:.2f}x", f"{peaks[key]:.0f}"))  # fmt: skip
        print(
            f"{docs:,} documents, {n_spans:,} spans, {n_relations:,} relations; "
            f"PostgreSQL with fsync on; median of {runs}, each a new database"
        )
        print_table(
            "Import of labeled data into a PostgreSQL project: the whole command",
            ("run", "median s", "min-max s", "vs floor", "peak RSS MB"),
            rows,
        )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
