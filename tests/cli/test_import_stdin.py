"""`annotator import PROJECT -`: JSON Lines read from standard input, plain or
gzip-compressed, its problems named as standard input's."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import orjson

from annotator.cli.app import main
from annotator.io.project import load_project
from annotator.store import repository

REPO = Path(__file__).resolve().parents[2]


def import_from_stdin(project: Path, data: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", "import", str(project), "-", *args],
        input=data,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )


def texts(project: Path) -> list[str]:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            return [repository.get_document(session, d.id).text
                    for d in repository.list_documents(session)]  # fmt: skip
    finally:
        db.close()


def test_articles_from_standard_input(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path / "p")]) == 0
    lines = b'{"text": "One article."}\nnot json\n{"text": "Two, with \xc3\xa9."}\n'
    done = import_from_stdin(tmp_path / "p", lines)
    assert done.returncode == 1  # a line failed, the rest went in
    assert b"annotator: <stdin>:2: invalid JSON" in done.stderr
    assert b"annotator-stdin-" not in done.stderr  # never the temporary copy's name
    assert texts(tmp_path / "p") == ["One article.", "Two, with é."]


def test_labeled_records_from_a_gzip_stream(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path / "p")]) == 0
    record = {"text": "Ana Gómez met Bob.", "label": [[0, 9, "Person"], [14, 17, "Person"]]}
    data = gzip.compress(orjson.dumps(record) + b"\n")
    done = import_from_stdin(tmp_path / "p", data, "--format", "doccano", "--as", "ana")
    assert done.returncode == 0, done.stderr
    assert b"2 span(s)" in done.stdout
    db = load_project(tmp_path / "p").open_database()
    try:
        with db.reader() as session:
            (doc,) = repository.list_documents(session)
            spans = repository.list_spans(session, doc.id)
        assert sorted(s.text for s in spans) == ["Ana Gómez", "Bob"]
    finally:
        db.close()


def test_folder_formats_and_empty_input_are_refused(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path / "p")]) == 0
    done = import_from_stdin(tmp_path / "p", b"", "--format", "brat", "--as", "ana")
    assert done.returncode == 2
    assert b"brat is read from a folder or a .zip" in done.stderr
    empty = import_from_stdin(tmp_path / "p", b"")
    assert empty.returncode == 1 and b"<stdin>: the file is empty" in empty.stderr
    assert texts(tmp_path / "p") == []
