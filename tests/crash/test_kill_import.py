"""SIGKILL `annotator import` at random moments: no half-stored document, and
running the import again completes it without duplicates.

A kill counts only when it landed mid-import (some but not all articles
stored); one that came before the first batch or after the last is tried again.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from annotator.io.project import create_project
from tests.crash.harness import kill_import, kill_until_landed, make_articles

KILLS = 3
ARTICLES = 5000  # five batches (importer.BATCH_DOCUMENTS): a kill between commits lands


def test_killed_import_stores_whole_documents_and_resumes(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    texts = make_articles(articles, ARTICLES)
    rng = random.Random(7)
    projects = itertools.count()

    def kill(wait: float) -> dict[str, Any]:
        project = create_project(tmp_path / f"p{next(projects)}").directory  # each try afresh
        return {**kill_import(project, articles, ARTICLES, wait), "project": project}

    for run in range(KILLS):
        results = kill_until_landed(kill, rng, (0.8, 3.0), attempts=8)
        for result in results:
            assert result["integrity"] and result["whole"], f"kill {run}: {result}"
            assert result["ok"], result["stderr"][-500:]
        last = results[-1]
        tries = [(round(r["wait"], 2), r["missed"], r["stored"]) for r in results]
        assert last["landed"], f"kill {run}: no kill landed mid-import: {tries}"
        assert 0 < last["stored"] < ARTICLES
    project = last["project"]  # killed mid-import: the import again completes it
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "import", str(project), str(articles)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with closing(sqlite3.connect(project / "annotator.sqlite")) as conn:
        stored = conn.execute("SELECT content_hash FROM documents").fetchall()
    assert sorted(h for (h,) in stored) == sorted(texts)
