"""Fuzz every importer and project.yaml parsing with thousands of Hypothesis cases.

    .venv/bin/python -m benchmarks.fuzz [--examples 2000]

Runs the same properties as tests/io/test_fuzz.py (no unhandled exception;
every problem is a one-line message naming the file), with many more cases.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from annotator.io.project import create_project
from benchmarks.common import print_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args()
    os.environ["ANNOTATOR_FUZZ_EXAMPLES"] = str(args.examples)
    test_fuzz = importlib.import_module("tests.io.test_fuzz")
    folder = Path(tempfile.mkdtemp())
    project = create_project(folder / "p").directory
    rows = []
    targets = {
        "article files (.txt .md .html .jsonl)": test_fuzz.test_article_files,
        "doccano JSONL": test_fuzz.test_doccano_files,
        "prodigy JSONL": test_fuzz.test_prodigy_files,
        "native JSONL": test_fuzz.test_native_files,
        "brat .txt + .ann": test_fuzz.test_brat_files,
        "project.yaml": test_fuzz.test_project_yaml,
    }
    for name, test in targets.items():
        started = time.perf_counter()
        outcome = "ok"
        try:
            if name == "project.yaml":
                test()
            else:
                test(project=project)
        except Exception as exc:  # report and go on to the next target
            outcome = f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
        rows.append((name, args.examples, outcome, f"{time.perf_counter() - started:.0f}"))
    shutil.rmtree(folder, ignore_errors=True)
    print_table("Fuzzing with Hypothesis", ("input", "cases", "result", "seconds"), rows)


if __name__ == "__main__":
    main()
