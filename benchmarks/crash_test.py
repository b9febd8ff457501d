"""The crash test, at length: SIGKILL editing processes, the window and imports at random
moments, many times, and check the database after each kill.

    .venv/bin/python -m benchmarks.crash_test [--edit-kills 50] [--window-kills 20] [--import-kills 20]

After every kill: PRAGMA integrity_check passes, every acknowledged edit is in
the database exactly as acknowledged (the one edit in flight may or may not
be), and every stored document is whole.

A kill counts only when it landed mid-operation: the process was still
running and had acknowledged edits (an import: had stored some of the
articles but not all). Kills before anything was written or after the
process finished are counted as missed, checked all the same, and tried again
at another moment (up to --attempts times). Exits with 1 when a check failed
or fewer kills landed than asked for.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.io.project import create_project
from benchmarks.common import print_table
from tests.crash.harness import (
    kill_edit_worker,
    kill_import,
    kill_until_landed,
    make_articles,
    new_edit_database,
)

IMPORT_ARTICLES = 10_000


def kill_many(
    kills: int,
    attempts: int,
    rng: random.Random,
    window: tuple[float, float],
    make_kill: Callable[[int], Callable[[float], dict[str, Any]]],
) -> dict[str, Any]:
    """``kills`` kills that landed (each tried up to ``attempts`` times); the tally."""
    tally: dict[str, Any] = {"run": 0, "landed": 0, "survived": 0, "failed": 0, "missed": 0,
                             "landed_results": [], "failures": []}  # fmt: skip
    for n in range(kills):
        for result in kill_until_landed(make_kill(n), rng, window, attempts):
            tally["run"] += 1
            if not result["ok"]:
                tally["failed"] += 1
                tally["failures"].append(result)
            elif result["landed"]:
                tally["landed"] += 1
                tally["survived"] += 1
                tally["landed_results"].append(result)
            else:
                tally["missed"] += 1
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edit-kills", type=int, default=50)
    parser.add_argument("--window-kills", type=int, default=20)
    parser.add_argument("--import-kills", type=int, default=20)
    parser.add_argument("--attempts", type=int, default=5, help="tries per kill (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    tallies = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, window, kills, where, moments in (
            ("editing process (span add/relabel/delete)", False, args.edit_kills, "edits",
             (0.6, 2.0)),
            ("the annotation window, offscreen, editing", True, args.window_kills, "window",
             (1.5, 3.5)),
        ):  # fmt: skip
            started = time.perf_counter()
            db_file, doc_id = new_edit_database(folder / where)
            processes = itertools.count()

            def make_kill(
                _: int, db_file: Path = db_file, doc_id: int = doc_id, window: bool = window,
                processes: itertools.count[int] = processes,
            ) -> Callable[[float], dict[str, Any]]:  # fmt: skip
                def kill(wait: float) -> dict[str, Any]:
                    p = next(processes)
                    return kill_edit_worker(db_file, doc_id, f"run{p}", p, wait, window=window)

                return kill

            tally = kill_many(kills, args.attempts, rng, moments, make_kill)
            acks = sum(r["acks"] for r in tally["landed_results"])
            tallies.append((label, kills, tally))
            rows.append((label, kills, tally["run"], tally["landed"], tally["survived"],
                         tally["failed"], tally["missed"], f"{acks:,} acknowledged edits checked",
                         f"{time.perf_counter() - started:.0f}"))  # fmt: skip

        started = time.perf_counter()
        make_articles(folder / "articles", IMPORT_ARTICLES)

        projects = itertools.count()

        def make_import_kill(_: int) -> Callable[[float], dict[str, Any]]:
            def kill(wait: float) -> dict[str, Any]:
                project = create_project(folder / f"import{next(projects)}").directory
                return kill_import(project, folder / "articles", IMPORT_ARTICLES, wait)

            return kill

        tally = kill_many(args.import_kills, args.attempts, rng, (0.8, 4.0), make_import_kill)
        stored = [r["stored"] for r in tally["landed_results"]] or [0]
        tallies.append(("import", args.import_kills, tally))
        rows.append((f"annotator import ({IMPORT_ARTICLES:,} articles)", args.import_kills,
                     tally["run"], tally["landed"], tally["survived"], tally["failed"],
                     tally["missed"], f"{min(stored):,}-{max(stored):,} documents stored at the kill",
                     f"{time.perf_counter() - started:.0f}"))  # fmt: skip
    print_table(
        "SIGKILL at random moments; database checked after each kill (a kill lands when the "
        "process was running and had written, not all)",
        ("process killed", "asked", "kills run", "landed mid-operation", "survived", "failed",
         "missed (retried)", "checked", "seconds"),
        rows,
    )  # fmt: skip
    failed = False
    for label, asked, tally in tallies:
        for result in tally["failures"]:
            failed = True
            print(f"FAILED ({label}): integrity {result['integrity']}, "
                  f"{ {k: v for k, v in result.items() if k not in ('stderr',)} }\n"
                  f"{result['stderr'][-800:]}", file=sys.stderr)  # fmt: skip
        if tally["landed"] < asked:
            failed = True
            print(f"FAILED ({label}): only {tally['landed']} of {asked} kills landed "
                  f"mid-operation in {args.attempts} tries each", file=sys.stderr)  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
