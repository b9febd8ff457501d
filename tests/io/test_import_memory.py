"""An import holds one batch in memory, not the file: the peak memory of the real
command grows by little from a one-line file to a 30 MB one (plain and labeled)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.io.project import create_project

FILE_MB = 30
# Growth in MB measured here, now / reading whole files or chunks of 1,000 long
# lines and batches without a bound on their text as before: plain 12 / 67,
# doccano 26 / 84, plain with 240 KB documents 29 / 58, doccano with them 11 / 33.


def _write(path: Path, records: int, *, labeled: bool, words: int = 120) -> None:
    body = " ".join(f"word{i % 97} said the minister" for i in range(words))
    with path.open("wb") as out:
        for n in range(records):
            text = f"Report {n}. {body}"
            record: dict[str, object] = {"text": text}
            if labeled:
                record["label"] = [[k * 40, k * 40 + 6, "Person"] for k in range(10)]
            out.write(orjson.dumps(record) + b"\n")


_MEASURE = """
import os, subprocess, sys
with open(sys.argv[1], "wb") as err:
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""
"""Runs a command and prints its exit code and peak RSS (KB). A child's peak starts
at its parent's size at the fork (Linux keeps the high-water mark across exec),
so the import is started from this small process, not from the test's."""


def _peak_mb(project: Path, *args: str) -> float:
    """Peak RSS of one `annotator import` in a process of its own."""
    log = project.parent / f"{project.name}.log"
    command = [sys.executable, "-m", "annotator", "import", "-q", str(project), *args]
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(log), *command],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == "0", log.read_text()
    return int(out[1]) / 1024


@pytest.mark.parametrize(
    ("labeled", "words", "allowed"),
    [(False, 120, 40), (True, 120, 40), (False, 8000, 40), (True, 8000, 22)],
    ids=["plain", "doccano", "plain-long-documents", "doccano-long-documents"],
)
def test_import_memory_does_not_grow_with_the_file(
    tmp_path: Path, labeled: bool, words: int, allowed: int
) -> None:
    """Documents of 3.6 KB, and of 240 KB (a batch also ends at 8 million characters)."""
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    _write(small, 1, labeled=labeled, words=words)
    per_record = len(small.read_bytes())
    _write(big, FILE_MB * 1_000_000 // per_record, labeled=labeled, words=words)
    extra = ["-f", "doccano", "--as", "ana"] if labeled else []
    peaks = []
    for name, source in (("a", small), ("b", big)):
        project = tmp_path / name
        create_project(project)
        peaks.append(_peak_mb(project, *extra, str(source)))
    assert peaks[1] - peaks[0] < allowed, peaks
