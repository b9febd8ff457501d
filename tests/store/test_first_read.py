"""A cold start's first document, read with the standard library's sqlite3
(``annotator/store/first_read.py``): the values the store's reader gives,
the document the list would open, and None whenever the usual path must do
the work."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core.model import DocStatus, DocumentDraft
from annotator.store import document_reader, review
from annotator.store import repository as repo
from annotator.store.db import Database, open_database
from annotator.store.first_read import peek_document, sqlite_url

from .test_document_reader import TEXT, store_documents


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "project.sqlite"


@pytest.fixture
def db(path: Path) -> Iterator[Database]:
    database = open_database(sqlite_url(path), create=True)
    yield database
    database.close()


@pytest.fixture
def stored(db: Database) -> tuple[int, int]:
    return store_documents(db)


@pytest.mark.parametrize("every_layer", [False, True])
def test_the_same_spans_as_the_stores_reader(
    db: Database, path: Path, stored: tuple[int, int], every_layer: bool
) -> None:
    doc, _ = stored
    read = peek_document(path, "ana", doc, every_layer)
    assert read is not None and read.document_id == doc and read.text == TEXT
    with db.reader() as s:
        expected = document_reader.read_document(s, doc, None if every_layer else ["ana"])
    assert list(read.spans) == list(expected.spans) and len(read.spans) > 5
    for mine, theirs in zip(read.spans, expected.spans, strict=True):
        assert mine.created_at == theirs.created_at and mine.updated_at == theirs.updated_at
        assert mine.created_at.tzinfo == theirs.created_at.tzinfo  # type: ignore[union-attr]


def test_details_are_read_from_the_file_when_a_span_is_made(
    db: Database, path: Path, stored: tuple[int, int]
) -> None:
    """The first read leaves the spans' attributes, notes and times out; they
    are read from the file, as stored then, when a span is first made."""
    doc, _ = stored
    read = peek_document(path, "ana", doc, False)
    assert read is not None and read.spans.details_unread == 1
    first = read.spans.ids[0]
    with db.session() as s:
        changed = repo.update_span(s, first, "ana", note="seen by bob", attributes={"k": "v"})
    span = read.spans[0]
    assert read.spans.details_unread == 0
    assert (span.note, span.attributes, span.updated_at) == (
        "seen by bob",
        {"k": "v"},
        changed.updated_at,
    )
    again = peek_document(path, "ana", doc, False)
    assert again is not None
    path.unlink()  # gone: the details cannot be read now; the span is made without them
    assert again.spans[0].note == "" and again.spans.details_unread == 1


def test_the_document_the_list_opens_on(db: Database, path: Path) -> None:
    with db.session() as s:
        ids = repo.insert_documents(s, [DocumentDraft(text=f"Article {n}.") for n in range(4)])
        first, second, third, fourth = (i for i in ids if i is not None)
        repo.add_span(s, first, "ana", "Person", 0, 7)
    assert _opened(path, "ana", None) == first  # nothing done, nothing assigned
    assert _opened(path, "ana", third) == third  # the last one opened
    assert _opened(path, "ana", 999) == first  # the last one opened is gone
    with db.session() as s:
        repo.set_status(s, first, "ana", DocStatus.DONE)
    assert _opened(path, "ana", None) == second  # the first not done
    assert _opened(path, "bob", None) == first  # bob's statuses, not ana's
    with db.session() as s:
        review.assign(s, [fourth], "ana")
    assert _opened(path, "ana", None) == fourth  # assignments first
    with db.session() as s:
        for doc in (second, third, fourth):
            repo.set_status(s, doc, "ana", DocStatus.DONE)
    assert _opened(path, "ana", None) == first  # all done: the first


def _opened(path: Path, user: str, last: int | None) -> int | None:
    read = peek_document(path, user, last, every_layer=False)
    return None if read is None else read.document_id


def test_none_where_the_usual_open_must_do_it(
    db: Database, path: Path, stored: tuple[int, int], tmp_path: Path
) -> None:
    doc, _ = stored
    assert peek_document(tmp_path / "missing.sqlite", "ana", doc, False) is None
    assert peek_document(path, "ana", doc, False, accept=lambda length: length < 10) is None
    db.close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0005'")
    assert peek_document(path, "ana", doc, False) is None  # an older schema: migrated first
    assert peek_document(tmp_path, "ana", doc, False) is None  # not a file


def test_it_loads_no_sqlalchemy(db: Database, path: Path, stored: tuple[int, int]) -> None:
    doc, _ = stored
    code = (
        "import sys; from pathlib import Path; "
        "from annotator.store.first_read import peek_document; "
        f"read = peek_document(Path({str(path)!r}), 'ana', {doc}, False); "
        "print(len(read.spans), 'sqlalchemy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    count, loaded = done.stdout.split()
    assert int(count) > 5 and loaded == "False"
