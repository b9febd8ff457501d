"""`annotator copy` between SQLite and PostgreSQL: a project moved to the team's
server and back (and a server project's backup, the same copy into SQLite).

Builds the agreement benchmark's project (2,000 articles, three annotators, 50
spans each: 300,000 spans, 6,000 statuses) in SQLite, starts a throwaway
PostgreSQL server with fsync on (``scripts/pg-test-server start --fsync``),
then times, median of ``--runs``, each a new process and a new database:

- ``annotator copy SQLITE_PROJECT DEST --db URL``, the whole command;
- its floor: a bare Python process that reads every table of the same file with
  ``sqlite3`` and writes it with psycopg's ``COPY ... FROM STDIN`` into an
  empty database with the project's tables, one transaction, checking nothing;
- ``annotator copy SERVER_PROJECT DEST``, from the server into a new SQLite file.

Each copy is checked: the target holds as many rows as the source in every
table. Exits with 1 when a run fails.

    .venv/bin/python -m benchmarks.bench_copy [--runs 3] [--docs 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from annotator.io.project import load_project
from benchmarks.bench_agreement import build
from benchmarks.bench_team import drop_database, pg_database, throwaway_server
from benchmarks.common import installed_env, print_table

ANNOTATOR = str(Path(sys.executable).with_name("annotator"))

FLOOR = r"""
import sqlite3, sys, psycopg
source, url, tables = sys.argv[1], sys.argv[2], sys.argv[3:]
db = sqlite3.connect(source)
with psycopg.connect(url) as target, target.cursor() as cursor:
    cursor.execute("SET LOCAL TIME ZONE 'UTC'")
    for table in tables:
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
        names = ", ".join(f'"{c}"' for c in columns)
        rows = db.execute(f'SELECT {names} FROM "{table}" ORDER BY 1')
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            while chunk := rows.fetchmany(5000):
                for row in chunk:
                    copy.write_row(row)
"""


def table_counts(project: Path) -> dict[str, int]:
    from sqlalchemy import func, select

    from annotator.store.models import Base

    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            return {
                t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
                for t in Base.metadata.sorted_tables
            }
    finally:
        db.close()


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    return time.perf_counter() - started, done.returncode, done.stderr[-2000:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    from annotator.store.models import Base

    failures: list[str] = []
    with (
        throwaway_server() as (url, admin),
        tempfile.TemporaryDirectory(prefix="bench-copy-") as tmp,
    ):
        root = Path(tmp)
        source = root / "source"
        build(source, args.docs, 50)
        expected = table_counts(source)
        env = installed_env(root / "pycache")
        tables = [t.name for t in Base.metadata.sorted_tables]
        times: dict[str, list[float]] = {"into": [], "floor": [], "back": []}
        for run in range(args.runs + 1):  # the first only compiles the modules
            target_url = pg_database(admin, url)
            dest = root / f"server{run}"
            seconds, code, err = timed(
                [ANNOTATOR, "copy", str(source), str(dest), "--db", target_url], env
            )
            if code != 0 or table_counts(dest) != expected:
                failures.append(f"copy into the server: exit {code} {err}")
            floor_url = pg_database(admin, url)
            from annotator.store.db import open_database

            open_database(floor_url, create=True).close()  # the tables, empty
            floor_s, floor_code, floor_err = timed(
                [sys.executable, "-c", FLOOR, str(source / "annotator.sqlite"),
                 floor_url.replace("postgresql+psycopg://", "postgresql://"), *tables],
                env,
            )  # fmt: skip
            if floor_code != 0:
                failures.append(f"floor: exit {floor_code} {floor_err}")
            back = root / f"back{run}"
            back_s, back_code, back_err = timed([ANNOTATOR, "copy", str(dest), str(back)], env)
            if back_code != 0 or table_counts(back) != expected:
                failures.append(f"copy back: exit {back_code} {back_err}")
            for database in (target_url, floor_url):
                drop_database(admin, database)
            if run:
                times["into"].append(seconds)
                times["floor"].append(floor_s)
                times["back"].append(back_s)
        spans = expected.get("spans", 0)
        floor = statistics.median(times["floor"])
        rows = []
        for key, what in (
            ("into", "annotator copy SQLITE DEST --db URL (into the server)"),
            ("floor", "floor: sqlite3 rows, psycopg COPY, one transaction"),
            ("back", "annotator copy SERVER DEST (into a new SQLite file)"),
        ):
            median = statistics.median(times[key])
            spread = f"{min(times[key]):.2f}-{max(times[key]):.2f}"
            rows.append((what, f"{median:.2f}", spread, f"{median / floor:.2f}x",
                         f"{spans / median:,.0f}"))  # fmt: skip
        print(
            f"{args.docs:,} documents, {spans:,} spans, "
            f"{sum(expected.values()):,} rows; PostgreSQL with fsync on; "
            f"median of {args.runs}, load {os.getloadavg()[0]:.1f}"
        )
        print_table(
            "Copying a project between SQLite and PostgreSQL: the whole command",
            ("run", "median s", "min-max s", "vs floor", "spans/s"),
            rows,
        )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
