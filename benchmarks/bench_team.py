"""20 simulated analysts, each a process making 500 edits, on PostgreSQL and SQLite.

Edits are the window's: add a span, relabel one, delete one, each a command
run by a workspace on the window's edit store (the versions seen checked,
the history kept for undo), each its own transaction; one the database cannot take now (SaveFailed: a lock held past
the busy timeout, a lost server) is kept and tried again until saved, as the
window does, its latency running until then. Prints edits per second,
latency percentiles per edit (from the edit's start to its acknowledgement),
lost edits (acknowledged but not in the database, or there twice: must be
0), edits kept and retried, the CPU an edit took in the clients and in the
server, the clients' peak RSS and the load average when each run started.

Two ways of editing, each its own table:

- **paced** (the analyst's path, what the target is judged on): each analyst
  waits a random think time between edits (exponential, mean ``--think-ms``,
  100 ms by default: about 10 edits a second an analyst, 200 for 20, still
  at least 20 times a real team's pace), as people edit.
- **saturated** (the stress bound): all 20 edit back to back with no pause.
  Twenty closed-loop clients with no think time keep the machine busy, so
  by Little's law the mean latency is 20 / throughput: its p95 measures how
  many edits a second the machine takes (the CPU an edit, client and
  server, over the cores), not what an analyst waits. It is printed with
  the check (mean latency x edits/s, about 20).

    .venv/bin/python -m benchmarks.bench_team [--analysts 20] [--edits 500] [--runs 3]
        [--think-ms 100] [--only paced|saturated] [--pg URL] [--no-sqlite]

Without --pg (or ANNOTATOR_BENCH_PG_URL) a throwaway local server is started
with fsync on (PostgreSQL's default, as a team's server runs: every commit is
flushed to disk), unlike the tests' server. The server's fsync and
synchronous_commit settings are printed with the figures.

PostgreSQL is measured ``--runs`` times each way (median of each figure),
each run followed by a floor in the same conditions and at the same pace:
the same processes and number of transactions done with bare psycopg
(insert a span, insert its change-log row, commit), on the same schema,
triggers and server. The ratio to the floor is our overhead; the floor
itself is what the machine gives at that moment.
Exits with 1 when an edit was lost, an analyst's process failed, the change
log is incomplete, or the paced p95 on PostgreSQL is over the 20 ms target
(the saturated p95 is reported, not judged: it is the machine's throughput).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotator.core.model import DocumentDraft
from annotator.store import repository as repo
from annotator.store.db import open_database
from benchmarks.common import article, print_table

REPO = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 20.0


def _cpu() -> float:
    """This process's CPU time so far, user and system, in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _wait_for(start_at: Any) -> None:
    """Say this process is ready (connected, imports done), then wait for the
    start: every analyst begins once all are ready, so no edit is timed
    while another process is still starting (importing takes seconds of CPU
    on a loaded machine)."""
    ready, go = start_at
    ready.put(None)
    go.wait()


def analyst(
    url: str,
    name: str,
    doc_ids: list[int],
    edits: int,
    seed: int,
    think_ms: float,
    start_at: Any,
    out: Any,
) -> None:
    try:
        out.put(_edit(url, name, doc_ids, edits, seed, start_at, think_ms))
    except BaseException as exc:  # the run reports it rather than wait for this process
        out.put((name, [], {}, _rss_mb(), 0, f"{type(exc).__name__}: {exc}", 0.0))
        start_at[0].put(None)  # failed before the start: the others are not held back
        raise


def _think(seed: int, think_ms: float) -> Any:
    """The pauses between an analyst's edits: exponential, mean ``think_ms``
    (none when 0), from a generator of their own (the edits are the same
    either way)."""
    rng = random.Random(seed + 1_000_003)

    def pause() -> None:
        if think_ms > 0:
            time.sleep(rng.expovariate(1000.0 / think_ms))

    return pause


def _edit(
    url: str,
    name: str,
    doc_ids: list[int],
    edits: int,
    seed: int,
    start_at: Any,
    think_ms: float = 0.0,
) -> tuple[str, list[float], dict[int, tuple[str, int, int]], float, int, str, float]:
    """One analyst's edits, made as the window makes them: commands run by a
    workspace on the window's edit store (``AssistEditStore``: the versions
    the analyst saw checked, the history kept for undo). An edit the database
    cannot take now (SaveFailed: a lock held too long, a lost server) is kept
    and tried again until it is saved, as the window does, its latency
    running until then."""
    from annotator.app.workspace import Changed, Outcome, Workspace
    from annotator.core.commands import AddSpan, Command, DeleteSpan, Relabel
    from annotator.store.assist import AssistEditStore

    rng = random.Random(seed)
    think = _think(seed, think_ms)
    db = open_database(url)
    workspace = Workspace(AssistEditStore(db), db=db)
    alive: dict[int, Any] = {}  # span id -> SpanData, as saved

    def saved(event: Changed) -> None:
        alive.update(event.changes.added_spans)
        alive.update(event.changes.updated_spans)
        for span_id in event.changes.removed_spans:
            alive.pop(span_id, None)

    workspace.changes.subscribe(saved)
    latencies: list[float] = []
    retried = 0
    _wait_for(start_at)
    cpu = _cpu()
    for _ in range(edits):
        action = rng.choice(["add", "add", "relabel", "delete"]) if alive else "add"
        doc, start, length = rng.choice(doc_ids), rng.randrange(0, 4000), rng.randint(1, 30)
        label = rng.choice(["Person", "Location", "Organization"])
        span = alive[rng.choice(list(alive))] if action != "add" else None
        command: Command
        if span is None:
            command = AddSpan(doc, name, "Person", start, start + length)
        elif action == "relabel":
            command = Relabel(span, name, label)
        else:
            command = DeleteSpan(span, name)
        think()
        began = time.perf_counter()
        outcome = workspace.run(command)
        while outcome is Outcome.KEPT:
            retried += 1
            outcome = Outcome.SAVED if workspace.retry() else Outcome.KEPT
        if outcome is Outcome.REFUSED or workspace.refusal:
            raise RuntimeError(workspace.refusal)
        latencies.append(time.perf_counter() - began)
    workspace.close()
    kept = {i: (sp.label, sp.start, sp.end) for i, sp in alive.items()}
    return name, latencies, kept, _rss_mb(), retried, "", _cpu() - cpu


_FLOOR_SPAN = (
    'INSERT INTO spans (document_id, annotator_id, label, start, "end", text, attributes, '
    "note, created_at, updated_at, version) "
    "VALUES (%s, %s, 'Person', %s, %s, 'text', '{}'::json, '', now(), now(), 1) RETURNING id"
)
_FLOOR_LOG = (
    "INSERT INTO change_log (at, annotator_id, document_id, action, entity, entity_id, "
    "before, after) VALUES (now(), %s, %s, 'add', 'span', %s, 'null'::json, %s::json)"
)


def floor_analyst(
    url: str,
    name: str,
    doc_ids: list[int],
    edits: int,
    seed: int,
    think_ms: float,
    start_at: Any,
    out: Any,
) -> None:
    """The floor: the same number of transactions, bare psycopg, one shape
    (insert a span, insert its change-log row, commit), no checks."""
    import psycopg

    rng = random.Random(seed)
    think = _think(seed, think_ms)
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO annotators (name, role, created_at) VALUES (%s, 'annotator', now()) "
            "RETURNING id",
            (name,),
        )
        who = cur.fetchone()[0]  # type: ignore[index]
    conn.commit()
    latencies: list[float] = []
    _wait_for(start_at)
    cpu = _cpu()
    for _ in range(edits):
        think()
        began = time.perf_counter()
        doc = rng.choice(doc_ids)
        start = rng.randrange(0, 4000)
        with conn.cursor() as cur:
            cur.execute(_FLOOR_SPAN, (doc, who, start, start + 5))
            span_id = cur.fetchone()[0]  # type: ignore[index]
            cur.execute(_FLOOR_LOG, (who, doc, span_id, '{"label": "Person"}'))
        conn.commit()
        latencies.append(time.perf_counter() - began)
    conn.close()
    out.put((name, latencies, {}, _rss_mb(), 0, "", _cpu() - cpu))


def server_cpu(folder: str | None) -> float | None:
    """CPU seconds used so far by the benchmark's own server (its postmaster
    and the backends it has reaped); None for a server given with --pg."""
    if folder is None:
        return None
    try:
        pid = Path(folder, "data", "postmaster.pid").read_text().split()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def run(
    url: str,
    analysts: int,
    edits: int,
    *,
    floor: bool = False,
    server: str | None = None,
    think_ms: float = 0.0,
) -> dict[str, Any]:
    db = open_database(url, create=True)
    rng = random.Random(1)
    with db.session() as s:
        doc_ids = [
            i
            for i in repo.insert_documents(s, [DocumentDraft(text=article(rng)) for _ in range(50)])
            if i
        ]
    with db.reader() as s:
        spans_before = len([sp for d in doc_ids for sp in repo.list_spans(s, d)])
        log_before = len(repo.change_log(s))
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    load = os.getloadavg()[0]
    ready, go = ctx.Queue(), ctx.Event()
    start_at = (ready, go)
    target = floor_analyst if floor else analyst
    tag = "floor" if floor else "analyst"
    procs = [
        ctx.Process(
            target=target,
            args=(url, f"{tag}{n:02d}", doc_ids, edits, n, think_ms, start_at, queue),
        )
        for n in range(analysts)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=600)
    started = time.time()
    go.set()
    server_before = server_cpu(server)
    results = [queue.get(timeout=600) for _ in procs]
    wall = time.time() - started
    for p in procs:
        p.join()
    time.sleep(0.5)  # the backends of the analysts' connections end and are reaped
    server_after = server_cpu(server)
    failed = [f"{name}: {error}" for name, _, _, _, _, error, _ in results if error]
    latencies = sorted(x for _, lat, _, _, _, _, _ in results for x in lat)
    with db.reader() as s:
        stored = {
            sp.id: (sp.annotator, sp.label, sp.start, sp.end)
            for d in doc_ids
            for sp in repo.list_spans(s, d)
        }
        log_entries = len(repo.change_log(s)) - log_before
    db.close()
    total = analysts * edits
    lost = 0
    if floor:
        lost = abs(len(stored) - spans_before - total)
    else:
        expected_ids: set[int] = set()
        for name, _, alive, _, _, _, _ in results:
            for span_id, (label, start, end) in alive.items():
                expected_ids.add(span_id)
                if stored.get(span_id) != (name, label, start, end):
                    lost += 1
        lost += len(set(stored) - expected_ids)  # spans nobody was told about

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "edits": total,
        "edits_per_s": total / wall,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": statistics.fmean(latencies) * 1000,
        "lost": lost,
        "log_ok": log_entries == total,
        "rss": max(r for _, _, _, r, _, _, _ in results),
        "cpu": sum(c for *_, c in results) / total * 1000,
        "server_cpu": (server_after - server_before) / total * 1000
        if server_before is not None and server_after is not None
        else float("nan"),
        "load": load,
        "retried": sum(n for _, _, _, _, n, _, _ in results),
        "failed": failed,
    }


def median_of(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the runs (lost edits: the sum; the log: all complete)."""
    keys = ("edits", "edits_per_s", "p50", "p95", "p99", "mean", "rss", "cpu", "server_cpu", "load")
    merged: dict[str, Any] = {key: statistics.median(r[key] for r in results) for key in keys}
    merged["lost"] = sum(r["lost"] for r in results)
    merged["retried"] = sum(r["retried"] for r in results)
    merged["failed"] = [f for r in results for f in r["failed"]]
    merged["log_ok"] = all(r["log_ok"] for r in results)
    merged["runs"] = results
    return merged


def start_server() -> tuple[str, str]:
    folder = subprocess.run(
        [str(REPO / "scripts" / "pg-test-server"), "start", "--fsync"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(folder, "url").read_text().strip(), folder


@contextmanager
def throwaway_server() -> Iterator[tuple[str, Any]]:
    """A new PostgreSQL server with fsync on: its URL and an engine in
    autocommit for making databases; stopped when the block ends."""
    import sqlalchemy as sa

    url, folder = start_server()
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        yield url, admin
    finally:
        admin.dispose()
        subprocess.run([str(REPO / "scripts" / "pg-test-server"), "stop", folder], check=False)


def pg_database(admin: Any, pg_admin: str) -> str:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"annotator_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return make_url(pg_admin).set(database=name).render_as_string(hide_password=False)


def drop_database(admin: Any, url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)'))


MODES = ("paced", "saturated")


def _pg_runs(
    args: argparse.Namespace, pg_admin: str, server_folder: str | None, mode: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``--runs`` runs of Annotator and of the floor, alternated, one way of editing."""
    import sqlalchemy as sa

    think_ms = args.think_ms if mode == "paced" else 0.0
    ours: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    admin = sa.create_engine(
        pg_admin.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    try:
        for n in range(args.runs):
            for floor, into in ((False, ours), (True, floors)):
                url = pg_database(admin, pg_admin)
                try:
                    into.append(
                        run(url, args.analysts, args.edits, floor=floor, server=server_folder,
                            think_ms=think_ms)
                    )  # fmt: skip
                finally:
                    drop_database(admin, url)
                r = into[-1]
                print(
                    f"{mode} run {n + 1} {'floor' if floor else 'Annotator'}: p50 {r['p50']:.1f} ms, "
                    f"p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, {r['edits_per_s']:,.0f}/s, "
                    f"{r['lost']} lost, {r['retried']} kept and retried, "
                    f"CPU an edit: client {r['cpu']:.2f} ms, server {r['server_cpu']:.2f} ms, "
                    f"load {r['load']:.2f} at start",
                    flush=True,
                )
    finally:
        admin.dispose()
    return ours, floors


def _durability(pg_admin: str) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(
        pg_admin.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            return ", ".join(
                f"{setting} {conn.execute(sa.text(f'SHOW {setting}')).scalar()}"
                for setting in ("fsync", "synchronous_commit")
            )
    finally:
        admin.dispose()


def _table(
    args: argparse.Namespace, mode: str, durability: str, rows: list[tuple[str, dict[str, Any]]]
) -> None:
    runs = f"median of {args.runs} runs" if args.runs > 1 else "one run"
    if mode == "paced":
        how = (
            f"PACED (the analyst's path, judged): a think time between edits, exponential, "
            f"mean {args.think_ms:g} ms"
        )
    else:
        how = "SATURATED (the stress bound, not judged): back to back, no think time"
    print_table(
        f"{how}; {args.analysts} analysts x {args.edits} edits, each edit its own transaction, "
        f"latency from the edit's start to its acknowledgement; PostgreSQL {runs} "
        f"(server: {durability}; SQLite: synchronous=FULL); {os.cpu_count()} cores",
        ("database", "edits", "edits/s", "p50 ms", "p95 ms", "p99 ms", "mean ms", "lost edits", "kept and retried", "change log complete", "client CPU ms an edit", "server CPU ms an edit", "client peak RSS MB", "load at start", f"target p95 < {TARGET_P95_MS:.0f} ms" if mode == "paced" else "(stress: not judged)"),
        [
            (name, int(r["edits"]), f"{r['edits_per_s']:,.0f}", f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['p99']:.1f}", f"{r['mean']:.1f}", r["lost"], r["retried"],
             "yes" if r["log_ok"] else "NO", f"{r['cpu']:.2f}", f"{r['server_cpu']:.2f}" if r["server_cpu"] == r["server_cpu"] else "", f"{r['rss']:.0f}", f"{r['load']:.2f}",
             ("ok" if r["p95"] < TARGET_P95_MS else "over") if name == "PostgreSQL" and mode == "paced" else "")
            for name, r in rows
        ],
    )  # fmt: skip
    pg, floor = rows[0][1], rows[1][1]
    print(
        f"PostgreSQL / floor: p50 {pg['p50'] / floor['p50']:.2f}x, p95 "
        f"{pg['p95'] / floor['p95']:.2f}x, edits/s {pg['edits_per_s'] / floor['edits_per_s']:.2f}x"
    )
    if mode == "saturated":
        print(
            "Little's law, closed loop with no think time: mean latency x edits/s = "
            f"{pg['mean'] / 1000 * pg['edits_per_s']:.1f} (Annotator), "
            f"{floor['mean'] / 1000 * floor['edits_per_s']:.1f} (floor), about the "
            f"{args.analysts} analysts: the latency is the queue, set by the throughput"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--edits", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="PostgreSQL runs each way (median)")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=100.0,
        help="paced: the mean think time between an analyst's edits (exponential), ms",
    )
    parser.add_argument("--only", choices=MODES, help="one way of editing only")
    parser.add_argument("--pg", default=os.environ.get("ANNOTATOR_BENCH_PG_URL"))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    modes = [args.only] if args.only else list(MODES)
    server_folder = None
    pg_admin = args.pg
    if not pg_admin:
        pg_admin, server_folder = start_server()
    measured: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    try:
        durability = _durability(pg_admin)
        for mode in modes:
            measured[mode] = _pg_runs(args, pg_admin, server_folder, mode)
    finally:
        if server_folder:
            subprocess.run(
                [str(REPO / "scripts" / "pg-test-server"), "stop", server_folder], check=False
            )
    problems: list[str] = []
    for mode in modes:
        ours, floors = measured[mode]
        rows = [
            ("PostgreSQL", median_of(ours)),
            ("PostgreSQL floor: bare psycopg, insert span + log row + commit", median_of(floors)),
        ]
        if not args.no_sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                sqlite = run(
                    f"sqlite:///{tmp}/team.sqlite", args.analysts, args.edits,
                    think_ms=args.think_ms if mode == "paced" else 0.0,
                )  # fmt: skip
            rows.append(("SQLite (one file, WAL), one run", sqlite))
        _table(args, mode, durability, rows)
        problems += [f"{mode}, {name}: {r['lost']} edits lost" for name, r in rows if r["lost"]]
        problems += [
            f"{mode}, {name}: an analyst failed: {f}" for name, r in rows for f in r["failed"]
        ]
        problems += [
            f"{mode}, {name}: the change log is incomplete" for name, r in rows if not r["log_ok"]
        ]
        problems += [f"{mode}, {name}: p95 {r['p95']:.1f} ms, over the {TARGET_P95_MS:.0f} ms target"
                     for name, r in rows
                     if mode == "paced" and name == "PostgreSQL" and r["p95"] >= TARGET_P95_MS]  # fmt: skip
    if server_folder and "fsync on" not in durability:
        problems.append(f"the benchmark's server should run with fsync on ({durability})")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
