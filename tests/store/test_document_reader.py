"""The window's fast read of a document gives what the repository's read gives.

``annotator.store.document_reader`` reads plain columns and makes each span
when it is first asked for; the values must be the ones ``repository.read_spans``
and ``repository.list_relations`` give (the window and the edit store compare
them), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import update

from annotator.core.errors import NotFound
from annotator.core.model import GOLD_ANNOTATOR, DocumentDraft
from annotator.store import document_reader
from annotator.store import repository as repo
from annotator.store.db import Database
from annotator.store.models import Span

# A flag (two astral characters), CRLF kept as stored text would never have
# it but a span may, quotes and a combining accent.
TEXT = "🇰🇿 Astana: “We are here,” Blinken said.\r\nCafe\u0301 😀 Tashkent 🇺🇿 talks.\n"


def words(text: str) -> list[tuple[int, int]]:
    out, start = [], None
    for i, ch in enumerate(text + " "):
        if ch.isspace():
            if start is not None:
                out.append((start, i))
                start = None
        elif start is None:
            start = i
    return out


@pytest.fixture
def stored(db: Database) -> tuple[int, int]:
    return store_documents(db)


def store_documents(db: Database) -> tuple[int, int]:
    """Two documents; spans in three layers, overlapping, with attributes and
    notes; links; timestamps with and without a time zone, equal and not."""
    with db.session() as s:
        doc, other = repo.insert_documents(
            s, [DocumentDraft(text=TEXT, title="T"), DocumentDraft(text="Other text here.")]
        )
        assert doc is not None and other is not None
        repo.set_roles(s, ["rita"])
        ids = []
        for n, (start, end) in enumerate(words(TEXT)):
            layer = ("ana", "bob")[n % 2]
            ids.append(
                repo.add_span(
                    s,
                    doc,
                    layer,
                    ("Person", "Location", "Quote")[n % 3],
                    start,
                    end,
                    attributes={"sure": n % 2 == 0, "note": "ü 😀"} if n % 3 == 0 else None,
                    note="checked\r\nby hand" if n == 2 else "",
                ).id
            )
        outer = repo.add_span(s, doc, "ana", "Claim", 0, len(TEXT) - 1)
        repo.add_span(s, doc, GOLD_ANNOTATOR, "Claim", 3, 9, editor="rita")
        repo.add_span(s, other, "ana", "Person", 0, 5)
        repo.add_relation(s, "ana", "speaker", ids[0], ids[2])
        repo.add_relation(s, "ana", "speaker", outer.id, ids[4])
        repo.add_relation(s, "bob", "speaker", ids[1], ids[3])
    # Timestamps written with other time zones and microseconds: each must
    # read back as the same aware UTC instant through both paths.
    kyiv = timezone(timedelta(hours=2))
    with db.session() as s:
        for n, span_id in enumerate(ids):
            when = datetime(2026, 3, 29, 1, 59, 59, 999_999 - n, tzinfo=kyiv) + timedelta(
                minutes=n % 3
            )
            s.execute(
                update(Span)
                .where(Span.id == span_id)
                .values(
                    created_at=when, updated_at=when if n % 2 else datetime(2026, 1, 1, tzinfo=UTC)
                )
            )
    return doc, other


@pytest.mark.parametrize(
    "layers", [None, ["ana"], ["bob"], ["ana", "bob"], ["ana", GOLD_ANNOTATOR], ["nobody"], []]
)
def test_the_same_spans_and_links_as_the_repository(
    db: Database, stored: tuple[int, int], layers: list[str] | None
) -> None:
    doc, _ = stored
    with db.reader() as s:
        expected_spans = repo.read_spans(s, doc, layers)
        expected_links = repo.list_relations(s, doc, layers)
        expected_text = repo.document_text(s, doc)
    with db.reader() as s:
        read = document_reader.read_document(s, doc, layers)
        spans = document_reader.read_spans(s, doc, layers)
        links = document_reader.read_relations(s, doc, layers)
    assert read.text == expected_text == TEXT
    assert list(read.spans) == spans == expected_spans
    assert read.relations == links == expected_links
    if layers is None or "ana" in layers:
        assert len(read.spans) > 5 and read.relations
    for mine, theirs in zip(read.spans, expected_spans, strict=True):
        assert mine.created_at is not None and mine.updated_at is not None
        assert mine.created_at.utcoffset() == timedelta(0) == theirs.created_at.utcoffset()  # type: ignore[union-attr]
        assert mine.created_at.tzinfo == theirs.created_at.tzinfo  # type: ignore[union-attr]
        assert type(mine.attributes) is dict
        assert TEXT[mine.start : mine.end] == mine.text


def test_attributes_are_not_shared_between_spans(db: Database, stored: tuple[int, int]) -> None:
    doc, _ = stored
    with db.reader() as s:
        spans = document_reader.read_spans(s, doc)
    empty = [span.attributes for span in spans if not span.attributes]
    assert len(empty) > 1
    assert len({id(a) for a in empty}) == len(empty)


def test_a_missing_document(db: Database) -> None:
    with db.reader() as s, pytest.raises(NotFound):
        document_reader.read_document(s, 999)


def lean_read(db: Database, doc: int, layers: list[str] | None) -> document_reader.DocumentRead:
    """The window's read: the spans' details read when a span is first made."""
    with db.reader() as s:
        return document_reader.read_document(
            s, doc, layers, lambda ids: document_reader.read_span_details(db, ids)
        )


@pytest.mark.parametrize("layers", [None, ["ana"], ["ana", "bob"], []])
@pytest.mark.parametrize("block", [2, 256])
def test_details_read_later_are_the_ones_read_at_once(
    db: Database,
    stored: tuple[int, int],
    layers: list[str] | None,
    block: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On SQLite the window's read leaves the spans' attributes, notes and
    timestamps out and reads them, a block of rows at a time, when a span is
    first made: the spans are the same (PostgreSQL reads them at once)."""
    from annotator.core import span_rows

    monkeypatch.setattr(span_rows, "DETAILS_BLOCK", block)
    doc, _ = stored
    with db.reader() as s:
        expected = repo.read_spans(s, doc, layers)
    read = lean_read(db, doc, layers)
    if db.dialect == "sqlite":
        assert read.spans.details_unread == -(-len(read.spans) // block)
    assert list(reversed([read.spans[i] for i in reversed(range(len(read.spans)))])) == expected
    assert read.spans.details_unread == 0


def test_details_read_later_are_the_stored_ones_then(db: Database, stored: tuple[int, int]) -> None:
    """A span another session changed between the read and the first time the
    span is made shows its details as stored then (the change itself arrives
    later and replaces the span); its version stays the one read, so an edit
    made on it is refused as stale; a span deleted since has no details."""
    doc, _ = stored
    read = lean_read(db, doc, ["ana"])
    first, second = read.spans.ids[0], read.spans.ids[1]
    with db.session() as s:
        changed = repo.update_span(
            s, first, "ana", note="changed elsewhere", attributes={"sure": False}
        )
        repo.delete_span(s, second, "ana")
    span, gone = read.spans[0], read.spans[1]
    if db.dialect != "sqlite":
        return  # read at once: as they were
    assert (span.note, span.attributes) == ("changed elsewhere", {"sure": False})
    assert span.updated_at == changed.updated_at
    assert span.version == changed.version - 1
    assert (gone.note, gone.attributes, gone.created_at) == ("", {}, None)


def test_details_not_readable_now_are_read_again_later(
    db: Database, stored: tuple[int, int]
) -> None:
    """When the database cannot be read (the loader gives None), a span is
    made with empty details and not kept: the next ask reads them."""
    doc, _ = stored
    readable = False

    def load(ids: Any) -> Any:
        return document_reader.read_span_details(db, ids) if readable else None

    with db.reader() as s:
        read = document_reader.read_document(s, doc, ["ana"], load)
        expected = repo.read_spans(s, doc, ["ana"])
    if db.dialect != "sqlite":
        return
    note = next(n for n, span in enumerate(expected) if span.note)
    assert read.spans[note].note == ""
    readable = True
    assert read.spans[note] == expected[note]


def test_read_span_details_reads_every_span_asked_for(
    db: Database, stored: tuple[int, int]
) -> None:
    doc, _ = stored
    with db.reader() as s:
        ids = [span.id for span in repo.read_spans(s, doc, ["ana"])]
    if db.dialect == "sqlite":
        assert set(document_reader.read_span_details(db, ids) or {}) == set(ids)


@pytest.mark.parametrize("layers", [None, ["ana"], ["ana", "bob"]])
@pytest.mark.parametrize("end", [0, 1, 14, 15, 40, len(TEXT) - 1])
def test_the_first_screen_read_is_the_full_reads_spans_that_start_before_its_end(
    db: Database, stored: tuple[int, int], layers: list[str] | None, end: int
) -> None:
    """A window paints the spans that start on its first screen, then reads
    them all: the first are the full read's, in the same order, with the
    same values, and nothing else."""
    doc, _ = stored
    asked: list[str] = []

    def screen_end(text: str) -> int:
        asked.append(text)
        return end

    with db.reader() as s:
        first = document_reader.read_document_start(s, doc, layers, screen_end)
        full = document_reader.read_document(s, doc, layers)
    assert asked == [TEXT] and first.text == TEXT and first.screen_end == end
    assert not first.complete and first.relations == []
    expected = [span for span in full.spans if span.start < end]
    assert list(first.spans) == expected
    if 0 < end < 40:  # a screen that ends in the text: some spans start after it
        assert 0 < len(expected) < len(full.spans)


def test_a_first_screen_that_holds_the_whole_text_is_the_complete_read(
    db: Database, stored: tuple[int, int]
) -> None:
    doc, _ = stored
    with db.reader() as s:
        first = document_reader.read_document_start(s, doc, ["ana"], lambda text: len(text))
        full = document_reader.read_document(s, doc, ["ana"])
    assert first.complete and list(first.spans) == list(full.spans)
    assert first.relations == full.relations and first.relations


def test_the_first_screen_of_a_missing_document(db: Database) -> None:
    with db.reader() as s, pytest.raises(NotFound):
        document_reader.read_document_start(s, 999, None, lambda text: 0)
