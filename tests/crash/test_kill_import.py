"""SIGKILL `annotator import` at random moments: no half-stored document, and
running the import again completes it without duplicates."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from annotator.io.project import create_project
from tests.crash.harness import kill_import, make_articles

KILLS = 3
ARTICLES = 3000


def test_killed_import_stores_whole_documents_and_resumes(tmp_path: Path) -> None:
    texts = make_articles(tmp_path / "articles", ARTICLES)
    project = create_project(tmp_path / "p").directory
    rng = random.Random(7)
    for _ in range(KILLS):
        result = kill_import(project, tmp_path / "articles", rng)
        assert result["integrity"] and result["whole"]
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "import", str(project), str(tmp_path / "articles")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with closing(sqlite3.connect(project / "annotator.sqlite")) as conn:
        stored = conn.execute("SELECT content_hash FROM documents").fetchall()
    assert sorted(h for (h,) in stored) == sorted(texts)
