"""Export 10,000 documents with 500,000 spans to native JSONL (issue 14; issue 4 before it).

Builds a project in a temporary folder: 10,000 generated news-like articles of
about 2,500 characters, 50 spans a document across two annotators, a relation
for every fifth span, and a status per layer, stored through the bulk import
path (timed too). Then, alternating, --repeat times each (median reported):

- export: the whole ``annotator export PROJECT -o out.jsonl -q`` command, a
  fresh process (imports, opening the project, reading, writing, the rename);
- floor: the same records held in memory as Python objects (parsed from the
  export's own output before the timing), re-serialised with ``orjson.dumps``
  one line at a time and written to a file, in a process of its own;

and, to show where the time goes: the same command in one process (the
benchmark turns the two-process split of ``annotator.io.formats.parallel``
off in the process it starts, so the output must be the same bytes), and the
command on an empty project (start-up, opening the project, an empty file
renamed into place: the fixed cost of every export).

Each process is started from a small launcher that reads its own rusage
(``wait4``), so its peak RSS is its own (a forked export writer's included),
and may write and use compiled modules (``__pycache__``), as an installed
program does. For scale it also prints what SQLite alone costs for the spans.
The floor's output must be byte for byte the export's. Targets (issue 14):
export under 1 s and at most 1.5x the floor, peak RSS of the export under
--ceiling MB (it streams: memory must not grow with the corpus); the script
exits with 1 when one is missed.

    .venv/bin/python -m benchmarks.bench_export [--docs N] [--spans N] [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from annotator.core.dataset import AnnotatedDraft, LayerDraft, RelationDraft, SpanDraft
from annotator.core.model import DocStatus, DocumentDraft
from annotator.io.project import create_project
from benchmarks.common import print_table

TARGET_SECONDS = 1.0
TARGET_RATIO = 1.5
CEILING_MB = 250.0
LABELS = ("Person", "Organization", "Location", "Event", "Claim", "Quote")
WORDS = [
    "the",
    "minister",
    "said",
    "government",
    "talks",
    "officials",
    "agreed",
    "on",
    "a",
    "new",
    "plan",
    "for",
    "the",
    "region",
    "after",
    "weeks",
    "of",
    "negotiations",
    "with",
    "partners",
    "in",
    "Brussels",
    "and",
    "Kyiv",
    "while",
    "critics",
    "warned",
    "that",
    "prices",
    "could",
    "rise",
    "😀",
    "sharply",
    "élan",
    "café",
    "naïve",
    "Zoë",
]


def make_items(docs: int, spans: int, seed: int = 1) -> list[AnnotatedDraft]:
    rng = random.Random(seed)
    per_doc = spans // docs
    items = []
    for d in range(docs):
        words = [rng.choice(WORDS) for _ in range(420)]
        text = f"Article {d}. " + " ".join(words)
        bounds = []
        pos = len(f"Article {d}. ")
        for w in words:
            bounds.append((pos, pos + len(w)))
            pos += len(w) + 1
        layers = []
        for n, name in enumerate(("alice", "bob")):
            count = per_doc // 2 + (per_doc % 2 if n == 0 else 0)
            picks = sorted(rng.sample(range(len(bounds) - 3), count))
            layer_spans = [
                SpanDraft(
                    LABELS[(i + n) % len(LABELS)],
                    bounds[i][0],
                    bounds[i + rng.randint(0, 2)][1],
                    attributes={"type": "direct"} if i % 7 == 0 else {},
                    note="check" if i % 11 == 0 else "",
                )
                for i in picks
            ]
            relations = [
                RelationDraft("speaker", k, k + 1) for k in range(0, len(layer_spans) - 1, 5)
            ]
            status = DocStatus.DONE.value if (d + n) % 3 == 0 else DocStatus.IN_PROGRESS.value
            layers.append(LayerDraft(name, layer_spans, relations, status))
        items.append(AnnotatedDraft(DocumentDraft(text=text, title=f"Article {d}"), layers))
    return items


def build(folder: Path, docs: int, spans: int) -> tuple[float, int, int]:
    """The project; (seconds, spans, relations) of its bulk import."""
    from annotator.io.formats.api import SessionWriter
    from annotator.io.formats.importing import ImportReport
    from annotator.io.labeled_import import store
    from annotator.io.project import load_project

    create_project(folder)
    project = load_project(folder)
    items = make_items(docs, spans)
    db = project.open_database()
    start = time.perf_counter()
    report = ImportReport()
    try:
        store(SessionWriter(db), items, report)
    finally:
        db.close()
    assert not report.problems, report.problems[:3]
    return time.perf_counter() - start, report.spans, report.relations


# --- the floor: the same records, in memory, re-serialised ---------------------------

_FLOOR = """
import sys, time, orjson
source, target, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(source, "rb") as handle:
    records = [orjson.loads(line) for line in handle]
times = []
for _ in range(repeat):
    start = time.perf_counter()
    dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    with open(target, "wb") as out:
        for record in records:
            out.write(dumps(record, option=option))
    times.append(time.perf_counter() - start)
print(" ".join(map(repr, times)))
"""
"""The floor: every record of the export parsed into dicts and lists first (not
timed), then each timed run writes them with orjson, a line at a time."""


_SQLITE = """
import sqlite3, sys, time
from annotator.store.export_sqlite import SPAN_JSON
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA cache_size = -65536")
start = time.perf_counter()
con.execute(f"SELECT sum(length({SPAN_JSON})) FROM spans").fetchall()
json_s = time.perf_counter() - start
start = time.perf_counter()
rows = con.execute('SELECT id, document_id, annotator_id, start, "end", text FROM spans').fetchall()
rows_s = time.perf_counter() - start
print(json_s, rows_s)
"""
"""What SQLite alone costs here, in one process: the JSON text of every span, made
and measured inside SQLite (no row reaches Python); and the plain columns the
export's order and surface check read, fetched into Python tuples."""


_ONE_PROCESS = """
import sys
from annotator.io.formats import parallel
parallel.SPLIT_FROM_DOCUMENTS = 1 << 62  # never split
from annotator.cli.app import main
sys.exit(main(["export", *sys.argv[1:]]))
"""
"""The export command with the two-process split turned off."""


# --- measuring a process ---------------------------------------------------------

_MEASURE = """
import os, subprocess, sys, time
with open(sys.argv[1], "wb") as err:
    start = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=err)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
sys.stdout.buffer.write(b"%d %d %r %r\\n" % (
    os.waitstatus_to_exitcode(status), usage.ru_maxrss,
    elapsed, usage.ru_utime + usage.ru_stime))
sys.stdout.buffer.write(out)
"""
"""Runs a command; prints its exit code, peak RSS (KB), wall and CPU seconds, then
its output. A child's peak RSS starts at its parent's size at the fork, so the
measured process is started from this small one, never from the benchmark."""


INSTALLED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The measured processes may write and use compiled modules (``__pycache__``), as
an installed program does: without them every start compiles the changed
sources again."""


def measure(command: list[str], log: Path) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MB, output) of a command in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(log), *command],
        capture_output=True,
        check=True,
        env=INSTALLED_ENV,
    )
    head, _, rest = done.stdout.partition(b"\n")
    code, rss, wall, cpu = head.split()
    if int(code) != 0:
        sys.stderr.write(log.read_text(errors="replace")[-3000:])
        raise SystemExit(f"{command[:4]} exited with {int(code)}")
    return float(wall), float(cpu), int(rss) / 1024, rest.decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--spans", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ceiling", type=float, default=CEILING_MB, help="peak RSS limit, MB")
    parser.add_argument(
        "--keep", type=Path, help="build the project in DIR once and reuse it on later runs"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "bench"
        built: tuple[float, int, int] | None = None
        if not (folder / "project.yaml").exists():
            built = build(folder, args.docs, args.spans)
        out = Path(tmp) / "out.jsonl"
        floor_out = Path(tmp) / "floor.jsonl"
        log = Path(tmp) / "stderr.txt"
        export = [sys.executable, "-m", "annotator", "export", str(folder), "-o", str(out), "-q"]
        one_process = [sys.executable, "-c", _ONE_PROCESS, str(folder), "-o", str(out), "-q"]
        empty = Path(tmp) / "empty"
        create_project(empty)
        export_empty = [sys.executable, "-m", "annotator", "export", str(empty)]
        export_empty += ["-o", str(Path(tmp) / "empty.jsonl"), "-q"]

        measure(export, log)  # warm the page cache
        reference = out.read_bytes()
        runs: list[tuple[float, float, float]] = []
        single: list[tuple[float, float, float]] = []
        fixed: list[tuple[float, float, float]] = []
        floors: list[float] = []
        floor_rss = 0.0
        for _ in range(args.repeat):
            wall, cpu, rss, _ = measure(export, log)
            runs.append((wall, cpu, rss))
            if out.read_bytes() != reference:
                raise SystemExit("two runs of the export wrote different files")
            _, _, floor_rss, printed = measure(
                [sys.executable, "-c", _FLOOR, str(out), str(floor_out), "1"], log
            )
            floors.append(float(printed.split()[0]))
            wall, cpu, rss, _ = measure(one_process, log)
            single.append((wall, cpu, rss))
            if out.read_bytes() != reference:
                raise SystemExit("one process wrote other bytes than two")
            wall, cpu, rss, _ = measure(export_empty, log)
            fixed.append((wall, cpu, rss))
        sqlite_runs = [
            measure([sys.executable, "-c", _SQLITE, str(folder / "annotator.sqlite")], log)[3]
            for _ in range(3)
        ]
        sqlite_json = statistics.median(float(r.split()[0]) for r in sqlite_runs)
        sqlite_rows = statistics.median(float(r.split()[1]) for r in sqlite_runs)
        same = floor_out.read_bytes() == reference
        leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".out.jsonl")]
        lines = reference.count(b"\n")
        size_mb = len(reference) / 1e6
        del reference

    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    rss = max(r[2] for r in runs)
    floor = statistics.median(floors)
    ratio = statistics.median(r[0] / f for r, f in zip(runs, floors, strict=True))
    load = os.getloadavg()[0]
    print(
        f"{args.docs:,} documents, {args.spans:,} spans; output {lines:,} lines, "
        f"{size_mb:.0f} MB; median of {args.repeat} alternating runs; load average {load:.2f}"
        + (
            f"; project built in {built[0]:.1f} s ({built[1]:,} spans, {built[2]:,} relations)"
            if built
            else ""
        )
    )
    print_table(
        "Export, native JSONL",
        ("what", "wall s", "CPU s", "peak RSS MB", "vs floor"),
        [
            (
                "floor: orjson re-serialising the records held in memory, to a file",
                f"{floor:.3f}",
                "",
                f"{floor_rss:.0f}",
                "1.00x",
            ),
            (
                "`annotator export PROJECT -o out.jsonl -q`, a fresh process",
                f"{wall:.3f}",
                f"{cpu:.2f}",
                f"{rss:.0f}",
                f"{ratio:.2f}x",
            ),
            (
                "the same in one process (the split turned off)",
                f"{statistics.median(r[0] for r in single):.3f}",
                f"{statistics.median(r[1] for r in single):.2f}",
                f"{max(r[2] for r in single):.0f}",
                f"{statistics.median(r[0] / f for r, f in zip(single, floors, strict=True)):.2f}x",
            ),
            (
                "the fixed cost: `annotator export` of an empty project",
                f"{statistics.median(r[0] for r in fixed):.3f}",
                f"{statistics.median(r[1] for r in fixed):.2f}",
                f"{max(r[2] for r in fixed):.0f}",
                "",
            ),
        ],
    )
    print(
        f"\nfor scale, SQLite alone (one process, median of 3): the JSON text of every span "
        f"{sqlite_json:.3f} s; the columns for order and checks into Python tuples "
        f"{sqlite_rows:.3f} s"
    )
    print(
        "all runs (export s / floor s / one process s / empty project s): "
        + ", ".join(
            f"{r[0]:.3f}/{f:.3f}/{o[0]:.3f}/{e[0]:.3f}"
            for r, f, o, e in zip(runs, floors, single, fixed, strict=True)
        )
    )
    checks = [
        (f"export < {TARGET_SECONDS:g} s", wall < TARGET_SECONDS),
        (f"export <= {TARGET_RATIO:g}x the floor", ratio <= TARGET_RATIO),
        (f"export peak RSS < {args.ceiling:g} MB", rss < args.ceiling),
        ("the floor wrote the export's bytes (the same records)", same),
        ("no temporary file left beside the target", not leftovers),
    ]
    for what, ok in checks:
        print(f"{'met' if ok else 'NOT MET'}: {what}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
