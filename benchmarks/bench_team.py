"""20 simulated analysts, each a process making 500 edits, on PostgreSQL and SQLite.

Edits are the window's: add a span, relabel one, delete one, each its own
transaction. Prints edits per second, latency percentiles per edit, and lost
edits (acknowledged but not in the database, or there twice): must be 0.

    .venv/bin/python -m benchmarks.bench_team [--analysts 20] [--edits 500] [--pg URL]

Without --pg (or ANNOTATOR_BENCH_PG_URL) a throwaway local server is started
with fsync on (PostgreSQL's default, as a team's server runs: every commit is
flushed to disk), unlike the tests' server. The server's fsync and
synchronous_commit settings are printed with the figures. Exits with 1 when
an edit was lost, the change log is incomplete, or p95 on PostgreSQL is over
the 50 ms target.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from annotator.core.model import DocumentDraft
from annotator.store import repository as repo
from annotator.store.db import open_database
from benchmarks.common import article, print_table

REPO = Path(__file__).resolve().parent.parent


def analyst(
    url: str, name: str, doc_ids: list[int], edits: int, seed: int, start_at: float, out: Any
) -> None:
    rng = random.Random(seed)
    db = open_database(url)
    alive: dict[int, tuple[str, int, int]] = {}
    latencies: list[float] = []
    while time.time() < start_at:  # everyone starts together
        time.sleep(0.001)
    for _ in range(edits):
        action = rng.choice(["add", "add", "relabel", "delete"]) if alive else "add"
        began = time.perf_counter()
        with db.session() as s:
            if action == "add":
                start = rng.randrange(0, 4000)
                span = repo.add_span(
                    s, rng.choice(doc_ids), name, "Person", start, start + rng.randint(1, 30)
                )
                alive[span.id] = (span.label, span.start, span.end)
            elif action == "relabel":
                span_id = rng.choice(list(alive))
                label = rng.choice(["Person", "Location", "Organization"])
                repo.update_span(s, span_id, name, label=label)
                alive[span_id] = (label, *alive[span_id][1:])
            else:
                span_id = rng.choice(list(alive))
                repo.delete_span(s, span_id, name)
                del alive[span_id]
        latencies.append(time.perf_counter() - began)
    db.close()
    out.put((name, latencies, alive))


def run(url: str, analysts: int, edits: int) -> dict[str, Any]:
    db = open_database(url, create=True)
    rng = random.Random(1)
    with db.session() as s:
        doc_ids = [
            i
            for i in repo.insert_documents(s, [DocumentDraft(text=article(rng)) for _ in range(50)])
            if i
        ]
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 3.0
    procs = [
        ctx.Process(
            target=analyst, args=(url, f"analyst{n:02d}", doc_ids, edits, n, start_at, queue)
        )
        for n in range(analysts)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    wall = max(0.0, time.time() - start_at)
    latencies = sorted(x for _, lat, _ in results for x in lat)
    with db.reader() as s:
        stored = {
            sp.id: (sp.annotator, sp.label, sp.start, sp.end)
            for d in doc_ids
            for sp in repo.list_spans(s, d)
        }
        log_entries = len(repo.change_log(s))
    db.close()
    lost = 0
    expected_ids: set[int] = set()
    for name, _, alive in results:
        for span_id, (label, start, end) in alive.items():
            expected_ids.add(span_id)
            if stored.get(span_id) != (name, label, start, end):
                lost += 1
    lost += len(set(stored) - expected_ids)  # spans nobody was told about
    total = analysts * edits

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "edits": total,
        "edits_per_s": total / wall,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "lost": lost,
        "log_ok": log_entries == total,
    }


def start_server() -> tuple[str, str]:
    folder = subprocess.run(
        [str(REPO / "scripts" / "pg-test-server"), "start", "--fsync"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(folder, "url").read_text().strip(), folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--edits", type=int, default=500)
    parser.add_argument("--pg", default=os.environ.get("ANNOTATOR_BENCH_PG_URL"))
    args = parser.parse_args()
    rows = []
    server_folder = None
    durability = "settings unknown"
    pg_admin = args.pg
    if not pg_admin:
        pg_admin, server_folder = start_server()
    try:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        name = f"annotator_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(
            pg_admin.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            durability = ", ".join(
                f"{setting} {conn.execute(sa.text(f'SHOW {setting}')).scalar()}"
                for setting in ("fsync", "synchronous_commit")
            )
        pg_url = make_url(pg_admin).set(database=name).render_as_string(hide_password=False)
        result = run(pg_url, args.analysts, args.edits)
        rows.append(("PostgreSQL", result))
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    finally:
        if server_folder:
            subprocess.run(
                [str(REPO / "scripts" / "pg-test-server"), "stop", server_folder], check=False
            )
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(
            (
                "SQLite (one file, WAL)",
                run(f"sqlite:///{tmp}/team.sqlite", args.analysts, args.edits),
            )
        )
    print_table(
        f"{args.analysts} analysts x {args.edits} edits, each edit its own transaction "
        f"(PostgreSQL server: {durability}; SQLite: synchronous=FULL)",
        ("database", "edits", "edits/s", "p50 ms", "p95 ms", "p99 ms", "lost edits", "change log complete", "target p95 < 50 ms (PostgreSQL)"),
        [
            (name, r["edits"], f"{r['edits_per_s']:,.0f}", f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['p99']:.1f}", r["lost"],
             "yes" if r["log_ok"] else "NO", ("ok" if r["p95"] < 50 else "over") if name == "PostgreSQL" else "")
            for name, r in rows
        ],
    )  # fmt: skip
    problems = [f"{name}: {r['lost']} edits lost" for name, r in rows if r["lost"]]
    problems += [f"{name}: the change log is incomplete" for name, r in rows if not r["log_ok"]]
    problems += [f"{name}: p95 {r['p95']:.1f} ms, over the 50 ms target"
                 for name, r in rows if name == "PostgreSQL" and r["p95"] >= 50]  # fmt: skip
    if server_folder and "fsync on" not in durability:
        problems.append(f"the benchmark's server should run with fsync on ({durability})")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
