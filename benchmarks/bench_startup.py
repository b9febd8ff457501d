"""The command line's start-up, as the user runs it (issue 14).

Times fresh processes of the installed command, median of ``--runs``::

    .venv/bin/annotator --version
    .venv/bin/annotator --help
    .venv/bin/annotator import --help
    .venv/bin/annotator export --help
    .venv/bin/annotator info PROJECT        (a small project: 20 articles)

against two floors timed the same way in the same run: the interpreter alone
(``python -c pass``, the same interpreter, so with the virtual environment's
site packages) and ``python -c "import argparse"`` (what any command line
written in Python pays). Each round runs every case once, so the load of the
machine falls on all alike. Peak RSS of each process is read with wait4 from
a small process that starts it; "modules" is how many modules the process
imported (one more run, with ``python -X importtime``), and the slowest of
them are listed for ``--help`` with ``--modules N``. Exits with 1 when a
command fails or prints something else than expected.

With ``--before DIR``, each ``annotator`` case is also run on the package in
DIR (``PYTHONPATH=DIR``), in the same rounds, so that a change is measured
against the code before it under the same load; for example::

    mkdir /tmp/before && git archive COMMIT annotator resources | tar -x -C /tmp/before

    .venv/bin/python -m benchmarks.bench_startup [--runs 7] [--modules 15] [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

from benchmarks.common import print_table

TARGET_SECONDS = 0.15
"""For `annotator --version` and `annotator --help` (issue 14)."""
ANNOTATOR = str(Path(sys.executable).with_name("annotator"))
ARTICLES = 20

_MEASURE = """
import os, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    started = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, elapsed)
"""
"""Runs a command; prints its exit code, peak RSS (KB) and wall time. Started from
this small process, not the benchmark's: a child's peak RSS starts at its parent's
size at the fork (Linux keeps the high-water mark across exec)."""


def measure(command: list[str], log: Path, env: dict[str, str] | None) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one command in a process of its own;
    its output goes to `log`."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(log), *command],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    return float(out[2]), int(out[1]) / 1024, int(out[0])


def imported_modules(command: list[str], env: dict[str, str] | None) -> list[tuple[int, str]]:
    """(cumulative microseconds, name) of every module `command` imports, from
    ``python -X importtime``; `command` starts with the interpreter or the
    `annotator` script (a Python file, run by the same interpreter)."""
    if command[0] == ANNOTATOR:
        command = [sys.executable, *command]
    result = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    modules = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        modules.append((int(cumulative), name.strip()))
    return modules


def make_project(root: Path) -> Path:
    """A small project with `ARTICLES` articles, made with the command itself."""
    project = root / "small"
    feed = root / "articles.jsonl"
    feed.write_bytes(
        b"".join(
            orjson.dumps({"title": f"Article {n}", "text": f"Article {n}. " + "Some text. " * 300})
            + b"\n"
            for n in range(ARTICLES)
        )
    )
    for command in (["new", str(project)], ["import", str(project), str(feed), "-q"]):
        subprocess.run([ANNOTATOR, *command], check=True, capture_output=True)
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--modules", type=int, default=15, metavar="N", help="list the N slowest of --help"
    )
    parser.add_argument(
        "--before", type=Path, metavar="DIR", help="also run the annotator package in DIR"
    )
    args = parser.parse_args()
    failures: list[str] = []
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        root = Path(tmp)
        project = make_project(root)
        # (what, command, text its output must contain)
        cases: list[tuple[str, list[str], str]] = [
            ("floor: python -c pass", [python, "-c", "pass"], ""),
            ("floor: python -c 'import argparse'", [python, "-c", "import argparse"], ""),
            ("annotator --version", [ANNOTATOR, "--version"], "annotator "),
            ("annotator --help", [ANNOTATOR, "--help"], "install-desktop"),
            ("annotator import --help", [ANNOTATOR, "import", "--help"], "--add-labels"),
            ("annotator export --help", [ANNOTATOR, "export", "--help"], "--split"),
            (f"annotator info PROJECT ({ARTICLES} articles)", [ANNOTATOR, "info", str(project)],
             f"Documents:  {ARTICLES} "),
        ]  # fmt: skip
        env: list[dict[str, str] | None] = [None for _ in cases]
        if args.before:
            before = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
            for what, command, expected in cases[2:]:
                cases.append((f"before: {what}", command, expected))
                env.append(before)
        times: list[list[float]] = [[] for _ in cases]
        peaks = [0.0 for _ in cases]
        for run in range(args.runs):
            for i, (what, command, expected) in enumerate(cases):
                log = root / f"run{run}-{i}.log"
                seconds, peak, code = measure(command, log, env[i])
                times[i].append(seconds)
                peaks[i] = max(peaks[i], peak)
                output = log.read_text(encoding="utf-8", errors="replace")
                if code != 0 or expected not in output:
                    failures.append(f"{what}: exit {code}\n{output[-2000:]}")
        modules = [imported_modules(command, env[i]) for i, (_, command, _) in enumerate(cases)]
        medians = [statistics.median(t) for t in times]
        floor_s, argparse_s = medians[0], medians[1]
        rows = []
        for i, (what, command, _) in enumerate(cases):
            verdict = ""
            if command[1:] in (["--version"], ["--help"]):
                ok = medians[i] < TARGET_SECONDS
                verdict = "ok" if ok else f"over by {medians[i] - TARGET_SECONDS:.3f} s"
            rows.append(
                (
                    what,
                    f"{medians[i]:.3f}",
                    f"{min(times[i]):.3f}-{max(times[i]):.3f}",
                    f"{medians[i] - floor_s:+.3f}",
                    f"{medians[i] / argparse_s:.2f}x",
                    f"{peaks[i]:.0f}",
                    len(modules[i]),
                    verdict,
                )
            )
        print(f"Fresh processes, median of {args.runs} runs, each round every case once; {python}")
        print_table(
            "Command-line start-up",
            ("run", "median s", "min-max s", "vs pass", "vs argparse", "peak RSS MB",
             "modules", f"target < {TARGET_SECONDS} s"),
            rows,
        )  # fmt: skip
        if args.modules:
            slowest: dict[str, int] = {}
            for cumulative, name in modules[3]:
                if "." not in name or name.startswith("annotator"):
                    slowest[name] = max(cumulative, slowest.get(name, 0))
            top = sorted(((c, n) for n, c in slowest.items()), reverse=True)
            print_table(
                f"annotator --help: the {args.modules} slowest top-level and annotator modules "
                "(-X importtime, cumulative, one run)",
                ("module", "ms"),
                [(n, f"{c / 1000:.1f}") for c, n in top[: args.modules]],
            )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
