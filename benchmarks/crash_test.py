"""The crash test, at length: SIGKILL editing processes, the window and imports at random
moments, many times, and check the database after each kill.

    .venv/bin/python -m benchmarks.crash_test [--edit-kills 50] [--window-kills 20] [--import-kills 20]

After every kill: PRAGMA integrity_check passes, every acknowledged edit is in
the database exactly as acknowledged (the one edit in flight may or may not
be), and every stored document is whole.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from annotator.io.project import create_project
from benchmarks.common import print_table
from tests.crash.harness import kill_edit_worker, kill_import, make_articles, new_edit_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edit-kills", type=int, default=50)
    parser.add_argument("--window-kills", type=int, default=20)
    parser.add_argument("--import-kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        for label, window, kills, where in (
            ("editing process (span add/relabel/delete)", False, args.edit_kills, "edits"),
            ("the annotation window, offscreen, editing", True, args.window_kills, "window"),
        ):
            started = time.perf_counter()
            db_file, doc_id = new_edit_database(folder / where)
            survived = acks = 0
            for run in range(kills):
                result = kill_edit_worker(db_file, doc_id, run, rng, window=window)
                acks += result["acks"]
                survived += bool(result["integrity"] and result["consistent"])
            rows.append((label, kills, survived, f"{acks:,} acknowledged edits checked",
                         f"{time.perf_counter() - started:.0f}"))  # fmt: skip

        started = time.perf_counter()
        make_articles(folder / "articles", 10_000)
        survived = 0
        stored = []
        for run in range(args.import_kills):
            project = create_project(folder / f"import{run}").directory
            result = kill_import(project, folder / "articles", rng, (0.3, 2.0))
            stored.append(result["stored"])
            survived += bool(result["integrity"] and result["whole"])
        rows.append(("annotator import (10,000 articles)", args.import_kills, survived,
                     f"{min(stored)}-{max(stored)} documents stored at the kill", f"{time.perf_counter() - started:.0f}"))  # fmt: skip
    print_table(
        "SIGKILL at random moments; database checked after each kill",
        ("process killed", "kills", "survived", "checked", "seconds"),
        rows,
    )


if __name__ == "__main__":
    main()
