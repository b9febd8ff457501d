from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.model import DocumentDraft
from annotator.io import importer
from annotator.io.importer import import_drafts, import_paths
from annotator.store import repository
from annotator.store.db import Database, open_database, sqlite_url

SUFFIXES = [".txt", ".md", ".html", ".jsonl"]


@pytest.fixture(scope="module")
def shared_db() -> Database:
    folder = Path(tempfile.mkdtemp())
    db = open_database(sqlite_url(folder / "fuzz.sqlite"), create=True)
    yield db  # type: ignore[misc]
    db.close()


def stored_texts(db: Database) -> set[str]:
    with db.reader() as session:
        return {repository.document_text(session, d.id) for d in repository.list_documents(session)}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_are_imported_or_reported(
    shared_db: Database, tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    report = import_paths(shared_db, [path])
    assert len(report.added) + len(report.duplicates) + len(report.problems) >= 1
    for problem in report.problems:
        assert str(problem).startswith(str(path))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_random_unicode_text_files_are_stored_exactly(
    shared_db: Database, tmp_path: Path, text: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode("utf-8"))
    report = import_paths(shared_db, [path])
    if not text.strip():
        assert report.problems and not report.added
        return
    assert not report.problems
    assert text in stored_texts(shared_db)


def test_a_failed_batch_stores_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(sqlite_url(tmp_path / "p.sqlite"), create=True)
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 2)
    real_insert = repository.insert_documents
    calls = {"n": 0}

    def failing_second_batch(session, drafts):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        ids = real_insert(session, drafts)
        if calls["n"] == 2:
            from sqlalchemy.exc import OperationalError

            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return ids

    monkeypatch.setattr(repository, "insert_documents", failing_second_batch)
    for n in range(5):
        (tmp_path / f"a{n}.txt").write_text(f"article number {n}")
    report = import_paths(db, sorted(tmp_path.glob("a*.txt")))
    assert len(report.added) == 2
    # The second batch failed: its documents, and the rest, are named as not stored.
    assert [p.message for p in report.problems] == [
        "not saved: the disk reported an error (a network share that went away?)",
    ] * 3
    assert [p.path.name for p in report.problems] == ["a2.txt", "a3.txt", "a4.txt"]
    assert stored_texts(db) == {"article number 0", "article number 1"}
    db.close()


def test_import_drafts_skips_duplicates(tmp_path: Path) -> None:
    db = open_database(sqlite_url(tmp_path / "p.sqlite"), create=True)
    report = import_drafts(db, [DocumentDraft("x"), DocumentDraft("x")], "pasted")
    assert len(report.added) == 1 and report.duplicates == ["pasted"]
    db.close()
