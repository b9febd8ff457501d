"""Agreement for 3 annotators over 2,000 documents with 50 spans each (issue 14; issue 5 before).

Builds a project in a temporary folder: 2,000 generated news-like articles of
about 3,500 characters, and for each of three annotators 50 spans a document
(claims and quotes of 8-30 tokens, entities of 1-3 tokens, some entities inside
quotes), each annotator copying a shared "true" layer with realistic noise:
most spans exact, some with a boundary moved by a token, some relabelled, some
replaced by a span elsewhere. Every annotator has marked every document done.

Then it measures, --repeat times each (median reported), the two paths a user
takes, each in a fresh process started from a small launcher that reads its own
rusage (so the peak RSS printed is that process's own):

- ``annotator agreement PROJECT --json``: the whole command (imports, reading,
  the maths, printing);
- Review > Agreement report as the window runs it, offscreen Qt, in a process
  that has shown one report already (its own imports done): from
  :func:`annotator.ui.review.open_agreement_report` (what the menu's action
  calls: the report shown, ``AgreementReportWidget.load``) until the report's
  figures are painted, the figures worked out in the report's worker process;
  alternately with the worker warm (started and warmed, as opening the Review
  menu leaves it) and cold (none started yet); and the window's longest
  stall meanwhile (the longest gap between two ticks of a 5 ms timer). On the
  code before the worker (no ``annotator.ui.worker``) the same calls compute
  in the window's process, warm and cold alike;

and, for where the time goes, the command's fixed cost: the same command on a
project of one document (start-up, opening the project, printing), and the
report's figures computed in one process (:func:`annotator.app.review.agreement_report`,
what the window ran before), timed in a process of its own after one warm-up
call. In that process, a floor over the same data held in memory: a pure
Python pass that does the least any token-based figure needs, tokenising every
text once (``re.findall``, as the maths does) and mapping every span to its
token range by binary search (``bisect``). Targets (issue 14): each path under
1 s (the report's with the worker warm); the script exits with 1 when one is
missed, or when the command's, the window's and the in-process figures differ. The measured processes may write and use compiled
modules (``__pycache__``), as an installed program does.

    .venv/bin/python -m benchmarks.bench_agreement [--docs N] [--spans N] [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import insert, select

from annotator.core.agreement import tokenize
from annotator.core.model import DocStatus, content_hash
from annotator.io.project import create_project
from annotator.store.models import Annotator, Document, DocumentStatus, Span, utcnow
from benchmarks.common import article as news_article
from benchmarks.common import print_table

TARGET_SECONDS = 1.0
ANNOTATORS = ("alice", "bob", "carol")
LONG_LABELS = ("Claim", "Quote")
SHORT_LABELS = ("Person", "Organization", "Location", "Event")


Spans = list[tuple[int, int, str]]


def true_layer(rng: random.Random, tokens: list[tuple[int, int]], count: int) -> Spans:
    """`count` spans: a fifth long (claims, quotes), the rest entities, some nested."""
    n = len(tokens)
    spans: Spans = []
    seen: set[tuple[int, int, str]] = set()
    while len(spans) < count:
        if len(spans) < count // 5:
            width, label = rng.randint(8, 30), rng.choice(LONG_LABELS)
        else:
            width, label = rng.randint(1, 3), rng.choice(SHORT_LABELS)
        first = rng.randrange(max(1, n - width))
        last = min(n, first + width) - 1
        span = (tokens[first][0], tokens[last][1], label)
        if span not in seen:
            seen.add(span)
            spans.append(span)
    return spans


def noisy_copy(
    rng: random.Random, truth: Spans, tokens: list[tuple[int, int]], count: int
) -> Spans:
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i for i, (_, e) in enumerate(tokens)}
    out: Spans = []
    for start, end, label in truth:
        roll = rng.random()
        if roll < 0.75:
            out.append((start, end, label))
        elif roll < 0.85:  # a boundary moved by one token
            i, j = starts[start], ends[end]
            if rng.random() < 0.5 and j + 1 < len(tokens):
                j += 1
            elif i + 1 <= j:
                i += 1
            out.append((tokens[i][0], tokens[j][1], label))
        elif roll < 0.92:
            pool = LONG_LABELS if label in LONG_LABELS else SHORT_LABELS
            out.append((start, end, rng.choice([x for x in pool if x != label] or [label])))
        else:
            out.extend(true_layer(rng, tokens, 1))
    return out[:count]


def build(directory: Path, docs: int, spans_per_doc: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    project = create_project(directory)
    db = project.open_database()
    now = utcnow()
    try:
        with db.session() as session:
            conn = session.connection()
            texts = [f"{i}. {news_article(rng, 3500, commas=True, flag='')}" for i in range(docs)]
            conn.execute(
                insert(Document.__table__),  # type: ignore[arg-type]
                [
                    {
                        "title": f"Article {i}",
                        "source": "bench",
                        "url": "",
                        "date": "",
                        "meta": {},
                        "text": t,
                        "length": len(t),
                        "content_hash": content_hash(t),
                        "created_at": now,
                    }
                    for i, t in enumerate(texts)
                ],
            )
            doc_ids = [int(i) for i in conn.scalars(select(Document.id).order_by(Document.id))]
            conn.execute(
                insert(Annotator.__table__),  # type: ignore[arg-type]
                [{"name": n, "created_at": now} for n in ANNOTATORS],
            )
            who = {str(n): int(i) for i, n in conn.execute(select(Annotator.id, Annotator.name))}
            span_rows: list[dict[str, Any]] = []
            status_rows: list[dict[str, Any]] = []
            for doc_id, text in zip(doc_ids, texts, strict=True):
                tokens = tokenize(text)
                truth = true_layer(rng, tokens, spans_per_doc)
                for name in ANNOTATORS:
                    for start, end, label in noisy_copy(rng, truth, tokens, spans_per_doc):
                        span_rows.append(
                            {
                                "document_id": doc_id,
                                "annotator_id": who[name],
                                "label": label,
                                "start": start,
                                "end": end,
                                "text": text[start:end],
                                "attributes": {},
                                "note": "",
                                "created_at": now,
                                "updated_at": now,
                                "version": 1,
                            }
                        )
                    status_rows.append(
                        {
                            "document_id": doc_id,
                            "annotator_id": who[name],
                            "status": DocStatus.DONE.value,
                            "updated_at": now,
                        }
                    )
            conn.execute(insert(Span.__table__), span_rows)  # type: ignore[arg-type]
            conn.execute(insert(DocumentStatus.__table__), status_rows)  # type: ignore[arg-type]
    finally:
        db.close()


_WORKER = """
import re, resource, sys, time
from bisect import bisect_left, bisect_right
from itertools import accumulate
import orjson
from annotator.app import review
from annotator.io.project import load_project

directory, repeat = sys.argv[1], int(sys.argv[2])
project = load_project(directory)
db = project.open_database()
# A token and the whitespace after it: their lengths add up to the token starts.
token = re.compile(r"(?:\\w+|[^\\w\\s])\\s*")
space = re.compile(r"\\s*")
try:
    names = review.compared_annotators(db)
    # The schema, as the window passes it: the same figures as the command.
    review.agreement_report(db, schema=project.schema)  # warm: imports, statements, page cache
    report_times, floor_times = [], []
    documents = review.agreement_documents(db, names, all_documents=True)
    for _ in range(repeat):
        start = time.perf_counter()
        loaded = review.agreement_report(db, schema=project.schema)
        report_times.append(time.perf_counter() - start)
        # The floor: the same documents and span tuples, in memory.
        start = time.perf_counter()
        mapped = 0
        for doc in documents:
            text = doc.text
            first = space.match(text).end()
            starts = list(accumulate(map(len, token.findall(text, first)), initial=first))
            for spans in doc.spans.values():
                for s, e, _ in spans:
                    if bisect_right(starts, s) <= bisect_left(starts, e):
                        mapped += 1
        floor_times.append(time.perf_counter() - start)
finally:
    db.close()
report, per_document = loaded
sys.stdout.buffer.write(orjson.dumps({
    "report": report.to_json(),
    "rows": len(per_document),
    "lowest": [r.id for r in per_document[:5]],
    "report_times": report_times,
    "floor_times": floor_times,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "spans": sum(report.spans_by_annotator.values()),
}))
"""
"""Times the report's figures (agreement_report) and the floor in one process."""

_WINDOW = """
import os, resource, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import orjson
from PySide6.QtCore import QEventLoop, QTimer
from annotator.ui.qapp import ensure_application
from annotator.ui.review import open_agreement_report

directory, repeat = sys.argv[1], int(sys.argv[2])
app = ensure_application()
try:
    from annotator.ui import worker
    from annotator.app.agreement import warm_worker
except ImportError:  # the code before: the report computed in the window's process
    worker = None
stall = [0.0, 0.0]  # [the last tick, the longest gap between two]
ticker = QTimer()
ticker.setInterval(5)

def tick():
    now = time.perf_counter()
    stall[1] = max(stall[1], now - stall[0])
    stall[0] = now

ticker.timeout.connect(tick)

def shown(warm):
    # The state the report finds the worker in: none (cold), or started and
    # warmed as opening the Review menu does (warm).
    if worker is not None:
        worker.stop_worker(worker.REPORT)
        if warm:
            worker.warm(worker.REPORT, warm_worker)
            worker.worker_pool(worker.REPORT).submit(os.getpid).result()
    app.processEvents()
    ticker.start()
    stall[0], stall[1] = time.perf_counter(), 0.0
    start = time.perf_counter()
    # What Review -> Agreement report runs: the report shown, its figures loaded.
    widget = open_agreement_report(directory, "ana")
    if getattr(widget, "computing", False):  # waits in Qt's event loop, as the window does
        loop = QEventLoop()
        widget.loadFinished.connect(loop.quit)
        loop.exec()
    widget.repaint()  # its figures painted
    elapsed = time.perf_counter() - start
    tick()
    ticker.stop()
    assert getattr(widget, "problem", None) is None, widget.problem
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return elapsed, stall[1], widget

shown(True)  # uncounted: the window's own imports (the project's, the report's)
cold, warm, stalls = [], [], []
for _ in range(repeat):
    for kind, times in (("warm", warm), ("cold", cold)):
        elapsed, longest, widget = shown(kind == "warm")
        times.append(elapsed)
        stalls.append(longest)
if worker is not None:
    worker.stop_workers()
sys.stdout.buffer.write(orjson.dumps({
    "report": widget.report.to_json(),
    "rows": widget.document_table.model().rowCount(),
    "lowest": [d.id for d in widget.documents[:5]],
    "in_worker": worker is not None,
    "warm": warm,
    "cold": cold,
    "stalls": stalls,
    "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""
"""Times Review -> Agreement report as the window runs it, offscreen: from the
request to the report's figures painted, the worker warm (as after the Review
menu opened) and cold (no worker yet), alternately; and the window's longest
stall meanwhile (the longest gap between two ticks of a 5 ms timer)."""

_MEASURE = """
import os, subprocess, sys, time
with open(sys.argv[1], "wb") as err:
    start = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=err)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
sys.stdout.buffer.write(b"%d %d %r\\n" % (
    os.waitstatus_to_exitcode(status), usage.ru_maxrss, elapsed))
sys.stdout.buffer.write(out)
"""
"""Runs a command; prints its exit code, peak RSS (KB) and wall seconds, then its
output. A child's peak RSS starts at its parent's size at the fork, so the
measured process is started from this small one, never from the benchmark."""


INSTALLED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The measured processes may write and use compiled modules (``__pycache__``), as
an installed program does: without them every start compiles the changed
sources again."""


def measure(command: list[str], log: Path) -> tuple[float, float, bytes]:
    """(wall s, peak RSS MB, output) of a command in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(log), *command],
        capture_output=True,
        check=True,
        env=INSTALLED_ENV,
    )
    head, _, rest = done.stdout.partition(b"\n")
    code, rss, wall = head.split()
    if int(code) != 0:
        sys.stderr.write(log.read_text(errors="replace")[-3000:])
        raise SystemExit(f"{command[:4]} exited with {int(code)}")
    return float(wall), int(rss) / 1024, rest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=2_000)
    parser.add_argument("--spans", type=int, default=50, help="spans per document per annotator")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keep", type=Path, help="build the project in DIR once and reuse it on later runs"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp) / "bench"
        if not (directory / "project.yaml").exists():
            build(directory, args.docs, args.spans)
        log = Path(tmp) / "stderr.txt"
        command = [sys.executable, "-m", "annotator", "agreement", str(directory), "--json"]
        small = Path(tmp) / "small"
        build(small, 1, args.spans)
        small_command = [sys.executable, "-m", "annotator", "agreement", str(small), "--json"]
        measure(command, log)  # warm the page cache
        runs = []
        fixed = []
        for _ in range(args.repeat):
            runs.append(measure(command, log))
            fixed.append(measure(small_command, log))
        _, worker_rss, printed = measure(
            [sys.executable, "-c", _WORKER, str(directory), str(args.repeat)], log
        )
        _, window_rss, shown = measure(
            [sys.executable, "-c", _WINDOW, str(directory), str(args.repeat)], log
        )
    worker = orjson.loads(printed)
    window = orjson.loads(shown)
    cli_json = orjson.loads(runs[-1][2])
    command_s = statistics.median(r[0] for r in runs)
    command_rss = max(r[1] for r in runs)
    report_s = statistics.median(worker["report_times"])
    warm_s = statistics.median(window["warm"])
    cold_s = statistics.median(window["cold"])
    where = (
        "in the report's worker process"
        if window["in_worker"]
        else "in the window's process (no worker)"
    )
    floor_s = statistics.median(worker["floor_times"])
    report = worker["report"]
    print(
        f"{report['documents']:,} documents, {report['tokens']:,} tokens, "
        f"{len(report['annotators'])} annotators, {worker['spans']:,} spans; "
        f"median of {args.repeat}; load average {os.getloadavg()[0]:.2f}"
    )
    print_table(
        "Agreement",
        ("what", "seconds", "peak RSS MB", "vs floor", "target"),
        [
            (
                "floor: tokenise every text, bisect every span (pure Python, in memory)",
                f"{floor_s:.3f}",
                "",
                "1.00x",
                "",
            ),
            (
                "`annotator agreement PROJECT --json`, a fresh process",
                f"{command_s:.3f}",
                f"{command_rss:.0f}",
                f"{command_s / floor_s:.2f}x",
                f"< {TARGET_SECONDS:g} s",
            ),
            (
                "the command's fixed cost: the same on a project of one document",
                f"{statistics.median(r[0] for r in fixed):.3f}",
                f"{max(r[1] for r in fixed):.0f}",
                "",
                "",
            ),
            (
                "Review > Agreement report, offscreen, until its figures are painted "
                f"({window['rows']:,} per-document rows), computed {where}; worker warm",
                f"{warm_s:.3f}",
                f"{window_rss:.0f}",
                f"{warm_s / floor_s:.2f}x",
                f"< {TARGET_SECONDS:g} s",
            ),
            (
                "the same, worker cold (none started yet: Python's start and imports)",
                f"{cold_s:.3f}",
                f"{window['worker_peak_rss_mb']:.0f} (worker)" if window["in_worker"] else "",
                f"{cold_s / floor_s:.2f}x",
                "",
            ),
            (
                "the window's longest stall meanwhile (a 5 ms timer's longest gap), median",
                f"{statistics.median(window['stalls']):.3f}",
                "",
                "",
                "",
            ),
            (
                "for reference: the report's figures in one process "
                f"(app.review.agreement_report, {worker['rows']:,} rows)",
                f"{report_s:.3f}",
                f"{worker_rss:.0f}",
                f"{report_s / floor_s:.2f}x",
                "",
            ),
        ],
    )
    print(
        "\nall runs: command "
        + ", ".join(f"{r[0]:.3f}" for r in runs)
        + "; one document "
        + ", ".join(f"{r[0]:.3f}" for r in fixed)
        + "; report window warm "
        + ", ".join(f"{t:.3f}" for t in window["warm"])
        + "; cold "
        + ", ".join(f"{t:.3f}" for t in window["cold"])
        + "; longest stalls "
        + ", ".join(f"{t:.3f}" for t in window["stalls"])
        + "; report's figures in one process "
        + ", ".join(f"{t:.3f}" for t in worker["report_times"])
        + "; floor "
        + ", ".join(f"{t:.3f}" for t in worker["floor_times"])
    )
    pair = report["pairs"][0]
    print(
        f"figures: exact_f1 {pair['exact_f1']:.3f}, overlap_f1 {pair['overlap_f1']:.3f}, "
        f"kappa {pair['kappa']:.3f} ({pair['a']}/{pair['b']}); alpha {report['alpha']:.3f}; "
        f"lowest documents {window['lowest']}"
    )
    checks = [
        (f"`annotator agreement --json` < {TARGET_SECONDS:g} s", command_s < TARGET_SECONDS),
        (f"the report window's figures shown < {TARGET_SECONDS:g} s", warm_s < TARGET_SECONDS),
        ("the command and the report window give the same figures", cli_json == report),
        ("the report window and app.review.agreement_report agree", window["report"] == report),
        ("the same documents lowest", window["lowest"] == worker["lowest"]),
    ]
    for what, ok in checks:
        print(f"{'met' if ok else 'NOT MET'}: {what}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
