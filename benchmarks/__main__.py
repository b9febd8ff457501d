"""Run the benchmarks and print their tables.

    .venv/bin/python -m benchmarks               # every benchmark below, in turn
    .venv/bin/python -m benchmarks import view   # some of them
    .venv/bin/python -m benchmarks --list

Each benchmark is a script of its own (``python -m benchmarks.bench_import``)
that measures its figures and a floor in the same run and prints a table; this
runner runs them one after another in fresh processes (so one's memory or
caches do not colour the next) and ends with how long each took.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from benchmarks.common import print_table

BENCHMARKS = {
    "import": ("benchmarks.bench_import", "import 10,000 articles (issue 2)"),
    "import-labeled": (
        "benchmarks.bench_import_labeled",
        "annotator import of 1,000 doccano articles / 50,000 spans, whole command (issue 14)",
    ),
    "import-memory": (
        "benchmarks.bench_import_memory",
        "peak RSS importing 200 MB of JSONL, plain and doccano (issue 12)",
    ),
    "startup": (
        "benchmarks.bench_startup",
        "annotator --version, --help, COMMAND --help, info: fresh processes (issue 14)",
    ),
    "open-project": (
        "benchmarks.bench_open_project",
        "open a 100,000-article project: window shown with its list, RSS (issue 14)",
    ),
    "view": ("benchmarks.bench_view", "1 MB article, 20,000 spans in the window (issue 3)"),
    "hostile-view": (
        "benchmarks.bench_hostile_view",
        "15-40 MB on one line, 20,000 labels: longest window freeze (issue 12)",
    ),
    "export": ("benchmarks.bench_export", "export 10,000 docs / 500,000 spans (issue 4)"),
    "export-formats": (
        "benchmarks.bench_export_formats",
        "labelstudio, spacy, parquet vs native on 500,000 spans; parquet on 10M (issue 16)",
    ),
    "agreement": ("benchmarks.bench_agreement", "agreement, 3 x 2,000 x 50 (issue 5)"),
    "copy": (
        "benchmarks.bench_copy",
        "annotator copy of 300,000 spans into PostgreSQL (fsync on) and back",
    ),
    "team": ("benchmarks.bench_team", "20 analysts x 500 edits, PostgreSQL and SQLite (issue 6)"),
    "assist": ("benchmarks.bench_assist", "suggestions on 1 MB, search 10,000 articles (issue 7)"),
    "crash": ("benchmarks.crash_test", "SIGKILL at random moments (issue 8)"),
    "fuzz": ("benchmarks.fuzz", "thousands of fuzzed inputs (issue 8)"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})"
        )
    if args.list:
        print_table("Benchmarks", ("name", "what"), [(n, w) for n, (_, w) in BENCHMARKS.items()])
        return 0
    rows = []
    failed = 0
    for name in args.names or list(BENCHMARKS):
        module, what = BENCHMARKS[name]
        print(f"\n=== {name}: {what}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", module])
        failed += code != 0
        rows.append(
            (name, "ok" if code == 0 else f"exit {code}", f"{time.perf_counter() - started:.0f}")
        )
    print_table("Benchmarks run", ("name", "result", "seconds"), rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
