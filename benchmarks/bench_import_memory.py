"""Peak memory of `annotator import` on a 200 MB file: one batch in memory, not the file.

Generates a doccano JSONL file of about 200 MB (5 KB articles, a dozen spans
each) and the same articles as plain JSONL, imports each into a new project
with the real command in a subprocess, and reads the child's peak resident
set size (its own rusage, by wait4 in a small process that starts it). Fails above the ceiling.

    .venv/bin/python -m benchmarks.bench_import_memory [--mb 200] [--ceiling 250]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from annotator.io.project import create_project
from benchmarks.common import article, print_table

CEILING_MB = 250.0
LABELS = ("Person", "Organization", "Location", "Event", "Other")


def generate(folder: Path, megabytes: float) -> tuple[Path, Path, int]:
    """A doccano and a plain JSONL file of the same articles, each about ``megabytes``."""
    rng = random.Random(11)
    bases = [article(rng) for _ in range(300)]
    doccano, plain = folder / "labeled.jsonl", folder / "articles.jsonl"
    target = megabytes * 1e6
    written = 0
    n = 0
    with doccano.open("wb") as out, plain.open("wb") as out_plain:
        while written < target:
            text = f"Report {n}. {bases[n % len(bases)]}"
            spans = []
            for k in range(12):
                start = (k * 397 + n) % (len(text) - 20)
                spans.append([start, start + 8 + k % 5, LABELS[k % len(LABELS)]])
            line = orjson.dumps({"text": text, "label": spans, "source": f"r{n}"})
            out.write(line + b"\n")
            out_plain.write(orjson.dumps({"text": text, "title": f"Report {n}"}) + b"\n")
            written += len(line) + 1
            n += 1
    return doccano, plain, n


_MEASURE = """
import os, subprocess, sys
with open(sys.argv[1], "wb") as err:
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""
"""Runs a command and prints its exit code and peak RSS (KB). A child's peak starts
at its parent's size at the fork (Linux keeps the high-water mark across exec),
so the import is started from this small process, not from this script."""


def run_import(args: list[str], log: Path) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of one `annotator import` in a process of its own."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "annotator", "import", "-q", *args]
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(log), *command],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    elapsed = time.perf_counter() - started
    code = int(out[0])
    if code != 0:
        print(log.read_text()[-2000:], file=sys.stderr)
    return int(out[1]) / 1024, elapsed, code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=200.0, help="size of each file")
    parser.add_argument("--ceiling", type=float, default=CEILING_MB, help="peak RSS allowed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-memory-") as tmp:
        folder = Path(tmp)
        doccano, plain, records = generate(folder, args.mb)
        size = doccano.stat().st_size / 1e6
        print(
            f"{records:,} records, doccano {size:.0f} MB, plain {plain.stat().st_size / 1e6:.0f} MB"
        )
        rows = []
        failed = False
        runs = [
            ("plain JSONL", "plain", [str(plain)]),
            ("doccano, --add-labels", "labeled", ["-f", "doccano", "--as", "bench", "--add-labels",
                                                  str(doccano)]),
        ]  # fmt: skip
        for what, name, extra in runs:
            project = folder / name
            create_project(project, schema="news")
            peak, seconds, code = run_import([str(project), *extra], folder / f"{name}.log")
            ok = code == 0 and peak <= args.ceiling
            failed = failed or not ok
            rows.append((what, f"{peak:.0f}", f"{seconds:.1f}", code, "ok" if ok else "FAIL"))
        print_table(
            f"Peak RSS of `annotator import` (ceiling {args.ceiling:.0f} MB)",
            ("input", "peak MB", "seconds", "exit", "result"),
            rows,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
