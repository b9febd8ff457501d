"""A large line-per-record export is written by two processes; the file is the
same as one process writes, and a bad span in either half stops it whole."""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import orjson
import pytest

from annotator.io.formats import api, parallel
from annotator.io.project import create_project, load_project
from annotator.store import repository

DOCS = parallel.SPLIT_FROM_DOCUMENTS + 10


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    project = create_project(folder / "p").directory
    feed = folder / "feed.jsonl"
    feed.write_bytes(
        b"\n".join(
            orjson.dumps({"text": f"Article {n}: Blinken in Astana 🇰🇿."}) for n in range(DOCS)
        )
    )
    from annotator.io.importer import import_paths

    db = load_project(project).open_database()
    import_paths(db, [feed])
    with db.session() as s:
        for doc in repository.list_documents(s)[::97]:
            start = len(f"Article {doc.id - 1}: ")
            repository.add_span(s, doc.id, "ana", "Person", start, start + 7)
        for doc in repository.list_documents(s)[::500]:  # in both halves: "Blinken … Astana"
            start = len(f"Article {doc.id - 1}: ")
            pieces = [(start, start + 7), (start + 11, start + 17)]
            repository.add_span(s, doc.id, "ana", "Quote", 0, 0, fragments=pieces)
    db.close()
    return project


def export(project: Path, target: Path, fmt: str = "native") -> subprocess.CompletedProcess[str]:
    # A process of its own: it has no other threads, so it may fork.
    return subprocess.run(
        [sys.executable, "-m", "annotator", "export", str(project), "-o", str(target),
         "--format", fmt],
        capture_output=True, text=True,
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["native", "doccano", "prodigy"])
def test_two_processes_write_what_one_writes(big_project: Path, tmp_path: Path, fmt: str) -> None:
    done = export(big_project, tmp_path / "two.jsonl", fmt)
    assert done.returncode == 0, done.stderr
    assert "(2 processes)" in done.stdout
    db = load_project(big_project).open_database()
    request = api.ExportRequest(target=tmp_path / "one.jsonl", format=fmt)
    try:
        original = parallel.can_split
        parallel.can_split = lambda fmt, documents: False  # type: ignore[assignment]
        result = api.run_export(db, load_project(big_project), request)
    finally:
        parallel.can_split = original  # type: ignore[assignment]
        db.close()
    assert result.processes == 1
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    # What the formats flatten is counted in both halves.
    flattened = [f"  {note}" for note in result.flattened.notes()]
    assert [line for line in done.stdout.splitlines() if line.startswith("  ")] == flattened
    assert result.flattened.split_spans == (0 if fmt == "native" else 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.jsonl", "two.jsonl"]


def test_a_gzip_export_in_two_processes_is_one_gzip_file(big_project: Path, tmp_path: Path) -> None:
    done = export(big_project, tmp_path / "two.jsonl.gz")
    assert done.returncode == 0, done.stderr
    assert "(2 processes)" in done.stdout
    assert export(big_project, tmp_path / "plain.jsonl").returncode == 0
    packed = (tmp_path / "two.jsonl.gz").read_bytes()
    assert packed[:2] == b"\x1f\x8b"
    # Each half is a gzip member; gzip reads the members as one stream.
    assert gzip.decompress(packed) == (tmp_path / "plain.jsonl").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.jsonl", "two.jsonl.gz"]


def test_a_bad_span_in_the_second_half_stops_the_whole_export(
    big_project: Path, tmp_path: Path
) -> None:
    with closing(sqlite3.connect(big_project / "annotator.sqlite")) as conn:
        last = conn.execute("SELECT max(id) FROM spans").fetchone()[0]
        conn.execute("UPDATE spans SET text = 'Someone' WHERE id = ?", (last,))
        conn.commit()
    try:
        done = export(big_project, tmp_path / "out.jsonl")
        assert done.returncode == 1
        assert "export stopped" in done.stderr and f"span {last}" in done.stderr
        assert list(tmp_path.iterdir()) == []  # nothing half-written, no temporary left
    finally:
        with closing(sqlite3.connect(big_project / "annotator.sqlite")) as conn:
            conn.execute("UPDATE spans SET text = 'Blinken' WHERE id = ?", (last,))
            conn.commit()


def test_splitting_only_line_formats_of_many_documents_where_the_process_may_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel, "can_fork", lambda: False)  # see tests/core/test_forked.py
    assert not parallel.can_split("native", 10**6)
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    assert parallel.can_split("native", 10**6)
    assert parallel.can_split("prodigy", parallel.SPLIT_FROM_DOCUMENTS)
    assert not parallel.can_split("brat", 10**6)
    assert not parallel.can_split("native", parallel.SPLIT_FROM_DOCUMENTS - 1)


_EDITED_AS_IT_SPLITS = """
import sys
from annotator.cli.app import main
from annotator.io.formats import parallel
from annotator.io.project import load_project
from annotator.store import repository

project, target, fmt = sys.argv[1:4]
real_in_two = parallel.in_two
written_here = []


def edit_then_split(mine, theirs, instead):
    # A colleague's edit in the second half, after the export's reading began.
    db = load_project(project).open_database()
    with db.session() as s:
        last = max(doc.id for doc in repository.list_documents(s))
        repository.add_span(s, last, "bob", "Person", 0, 7)
    db.close()

    def here():
        written_here.append(True)
        return instead()

    return real_in_two(mine, theirs, here)


parallel.in_two = edit_then_split
code = main(["export", project, "-o", target, "--format", fmt, "-q"])
print(code, len(written_here))
"""


@pytest.mark.parametrize("fmt", ["native", "doccano"])
def test_an_edit_as_the_export_splits_is_in_neither_half(
    project_dir: Path, tmp_path: Path, fmt: str
) -> None:
    # The second half is read on a connection of the child's own; it must see
    # what the first half's reading sees: on PostgreSQL that transaction's
    # exported snapshot, on SQLite the same change log (else the first process
    # writes the second half itself).
    from annotator.io.importer import import_paths

    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(
        b"\n".join(orjson.dumps({"text": f"Article {n}: Blinken in Astana."}) for n in range(DOCS))
    )
    db = load_project(project_dir).open_database()
    try:
        import_paths(db, [feed])
        with db.session() as s:
            first = repository.list_documents(s)[0].id
            repository.add_span(s, first, "ana", "Person", 0, 7)
    finally:
        db.close()
    before = tmp_path / "before.jsonl"
    assert export(project_dir, before, fmt).returncode == 0
    during = tmp_path / "during.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", _EDITED_AS_IT_SPLITS, str(project_dir), str(during), fmt],
        capture_output=True,
        text=True,
    )
    code, written_here = map(int, done.stdout.split())
    assert code == 0, done.stderr
    sqlite = load_project(project_dir).database_url.startswith("sqlite")
    assert written_here == (1 if sqlite else 0)
    assert during.read_bytes() == before.read_bytes()
    after = tmp_path / "after.jsonl"
    assert export(project_dir, after, fmt).returncode == 0
    assert after.read_bytes() != before.read_bytes()  # the edit, in a new export
