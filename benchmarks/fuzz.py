"""Fuzz every importer and project.yaml parsing with thousands of Hypothesis cases.

    .venv/bin/python -m benchmarks.fuzz [--examples 2000]

Runs the properties of tests/io/test_fuzz.py (no unhandled exception; every
problem is a one-line message naming the file), each with many more cases,
and counts the cases each actually ran (Hypothesis may run fewer than asked
when it runs out of new inputs). Exits with 1 when a property failed.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.io.project import create_project
from benchmarks.common import print_table

NAMES = {
    "test_article_files": "article files (.txt .md .html .jsonl)",
    "test_doccano_files": "doccano JSONL",
    "test_prodigy_files": "prodigy JSONL",
    "test_native_files": "native JSONL",
    "test_brat_files": "brat .txt + .ann",
    "test_project_yaml": "project.yaml",
}


def counted(test: Any) -> list[int]:
    """Count the cases Hypothesis hands to ``test`` (its inner test is read at each run)."""
    calls = [0]
    inner: Callable[..., Any] = test.hypothesis.inner_test

    def run(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return inner(*args, **kwargs)

    test.hypothesis.inner_test = run
    return calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args()
    os.environ["ANNOTATOR_FUZZ_EXAMPLES"] = str(args.examples)
    test_fuzz = importlib.import_module("tests.io.test_fuzz")
    folder = Path(tempfile.mkdtemp())
    project = create_project(folder / "p").directory
    rows = []
    failed = 0
    targets = {
        name: test
        for name, test in vars(test_fuzz).items()
        if name.startswith("test_") and hasattr(test, "hypothesis")
    }  # every property of the test file, new ones too
    for name, test in targets.items():
        calls = counted(test)
        started = time.perf_counter()
        outcome = "ok"
        try:
            fixtures = inspect.signature(test).parameters
            test(**({"project": project} if "project" in fixtures else {}))
        except Exception as exc:  # report and go on to the next target
            failed += 1
            outcome = f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
        rows.append((NAMES.get(name, name), args.examples, f"{calls[0]:,}", outcome,
                     f"{time.perf_counter() - started:.0f}"))  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    print_table(
        "Fuzzing with Hypothesis", ("input", "cases asked", "cases run", "result", "seconds"), rows
    )
    total = sum(int(str(row[2]).replace(",", "")) for row in rows)
    print(f"\n{total:,} cases run over {len(rows)} inputs; {failed} failed")
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
