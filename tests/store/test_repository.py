from __future__ import annotations

import pytest

from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft, OffsetError
from annotator.store import repository as repo
from annotator.store.db import Database, open_database

TEXT = "🇰🇿 Astana: “We are here to listen,” Blinken said.\nSecond line."


@pytest.fixture
def db(database_url: str) -> Database:
    database = open_database(database_url, create=True)
    yield database  # type: ignore[misc]
    database.close()


@pytest.fixture
def doc_id(db: Database) -> int:
    with db.session() as s:
        (new_id,) = repo.insert_documents(s, [DocumentDraft(text=TEXT, title="T")])
    assert new_id is not None
    return new_id


def test_duplicates_are_skipped_by_content(db: Database) -> None:
    drafts = [DocumentDraft(text="one"), DocumentDraft(text="two"), DocumentDraft(text="one")]
    with db.session() as s:
        first = repo.insert_documents(s, drafts)
    with db.session() as s:
        again = repo.insert_documents(s, [DocumentDraft(text="two"), DocumentDraft(text="three")])
    assert first[0] is not None and first[1] is not None and first[2] is None
    assert again[0] is None and again[1] is not None
    with db.reader() as s:
        assert repo.document_count(s) == 3


def test_span_text_is_taken_from_the_document(db: Database, doc_id: int) -> None:
    start = TEXT.index("Astana")
    with db.session() as s:
        span = repo.add_span(s, doc_id, "ana", "Location", start, start + 6)
    assert span.text == "Astana" and span.annotator == "ana" and span.version == 1
    with db.reader() as s:
        assert repo.list_spans(s, doc_id) == [span]
        assert repo.get_status(s, doc_id, "ana") == DocStatus.IN_PROGRESS


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (6, 2), (0, len(TEXT) + 1)])
def test_bad_offsets_are_refused(db: Database, doc_id: int, start: int, end: int) -> None:
    with pytest.raises(OffsetError), db.session() as s:
        repo.add_span(s, doc_id, "ana", "Person", start, end)
    with db.reader() as s:
        assert repo.list_spans(s, doc_id) == []


def test_every_edit_is_in_the_change_log(db: Database, doc_id: int) -> None:
    quote_start = TEXT.index("“")
    quote_end = TEXT.index("”") + 1
    person_start = TEXT.index("Blinken")
    with db.session() as s:
        quote = repo.add_span(s, doc_id, "ana", "Quote", quote_start, quote_end)
        person = repo.add_span(s, doc_id, "ana", "Person", person_start, person_start + 7)
        link = repo.add_relation(s, "ana", "speaker", quote.id, person.id)
    with db.session() as s:
        repo.update_span(s, person.id, "ana", label="Organization", expected_version=1)
        repo.update_span(s, quote.id, "ana", start=quote_start + 1, end=quote_end - 1)
        repo.set_status(s, doc_id, "ana", DocStatus.DONE)
    with db.session() as s:
        deleted, relations = repo.delete_span(s, person.id, "ana")
    assert relations == [link] and deleted.label == "Organization"
    with db.reader() as s:
        log = repo.change_log(s, doc_id)
        remaining = repo.list_spans(s, doc_id)
    actions = [(e["action"], e["entity"]) for e in log]
    assert actions == [
        ("add", "span"), ("add", "span"), ("add", "relation"),
        ("update", "span"), ("update", "span"), ("status", "document"),
        ("delete", "relation"), ("delete", "span"),
    ]  # fmt: skip
    assert log[3]["before"]["label"] == "Person" and log[3]["after"]["label"] == "Organization"
    assert log[5]["after"] == {"annotator": "ana", "status": "done"}
    assert [s.text for s in remaining] == ["We are here to listen,"]
    assert remaining[0].version == 2


def test_a_stale_edit_is_refused(db: Database, doc_id: int) -> None:
    with db.session() as s:
        span = repo.add_span(s, doc_id, "ana", "Location", 5, 11)
    # The same span edited from two windows (or by two reviewers in gold).
    with db.session() as s:
        repo.update_span(s, span.id, "ana", note="checked", expected_version=span.version)
    with pytest.raises(repo.StaleEdit, match="changed by someone else"), db.session() as s:
        repo.update_span(s, span.id, "ana", label="Person", expected_version=span.version)
    with db.reader() as s:
        current = repo.get_span(s, span.id)
    assert current.label == "Location" and current.note == "checked" and current.version == 2


def test_a_stale_delete_is_refused(db: Database, doc_id: int) -> None:
    """Two windows show a span; one relabels it, the other's delete must not discard that."""
    from annotator.store.edits import DatabaseEditStore

    with db.session() as s:
        span = repo.add_span(s, doc_id, "ana", "Location", 5, 11)
    first, second = DatabaseEditStore(db), DatabaseEditStore(db)
    first.saw([span])
    second.saw([span])
    with first.transaction() as edits:
        edits.update_span(span.id, "ana", label="Person")
    with pytest.raises(repo.StaleEdit, match="changed by someone else"), second.transaction() as e:
        e.delete_span(span.id, "ana")
    with db.reader() as s:
        current = repo.get_span(s, span.id)
    assert current.label == "Person" and current.version == 2
    # The window that made the change may still delete it: it saw its own version.
    with first.transaction() as edits:
        edits.delete_span(span.id, "ana")
    with db.reader() as s:
        assert repo.list_spans(s, doc_id) == []


def test_deleting_and_restoring_a_span_keeps_its_id(db: Database, doc_id: int) -> None:
    with db.session() as s:
        span = repo.add_span(s, doc_id, "ana", "Location", 5, 11, note="capital")
    with db.session() as s:
        repo.delete_span(s, span.id, "ana")
    with db.session() as s:
        restored = repo.add_span(
            s, doc_id, "ana", "Location", 5, 11, note="capital", span_id=span.id
        )
    assert restored.id == span.id and restored.note == "capital"


def test_document_listing_counts_spans_and_statuses(db: Database, doc_id: int) -> None:
    with db.session() as s:
        repo.add_span(s, doc_id, "ana", "Location", 5, 11)
        repo.add_span(s, doc_id, "ben", "Location", 5, 11)
        repo.add_span(s, doc_id, "ben", "Person", 0, 2)
        repo.set_status(s, doc_id, "ben", DocStatus.DONE)
    with db.reader() as s:
        (summary,) = repo.list_documents(s)
        counts = repo.project_counts(s)
    assert summary.spans_by_annotator == {"ana": 1, "ben": 2}
    assert summary.status_by_annotator == {"ana": "in_progress", "ben": "done"}
    assert summary.length == len(TEXT)
    assert counts.spans_by_label == {"Location": 2, "Person": 1}
    assert counts.done_by_annotator == {"ben": 1}
    assert counts.annotators == ["ana", "ben"]


def test_people_change_only_their_own_layer_and_reviewers_gold(db: Database, doc_id: int) -> None:
    with db.session() as s:
        repo.set_roles(s, ["rita"])
        ana_span = repo.add_span(s, doc_id, "ana", "Location", 5, 11)
        gold_span = repo.add_span(s, doc_id, GOLD_ANNOTATOR, "Location", 5, 11, editor="rita")
    attempts = [
        lambda s: repo.add_span(s, doc_id, "ana", "Person", 0, 2, editor="ben"),
        lambda s: repo.update_span(s, ana_span.id, "ben", label="Person"),
        lambda s: repo.delete_span(s, ana_span.id, "rita"),
        lambda s: repo.add_span(s, doc_id, GOLD_ANNOTATOR, "Person", 0, 2, editor="ana"),
        lambda s: repo.update_span(s, gold_span.id, "ana", note="mine now"),
        lambda s: repo.set_status(s, doc_id, "ana", DocStatus.DONE, editor="ben"),
    ]
    for attempt in attempts:
        with pytest.raises(repo.PermissionDenied), db.session() as s:
            attempt(s)
    with db.session() as s:
        repo.update_span(s, gold_span.id, "rita", note="adjudicated")
        repo.set_status(s, doc_id, GOLD_ANNOTATOR, DocStatus.DONE, editor="rita")
        repo.set_roles(s, [])
    with pytest.raises(repo.PermissionDenied, match="only reviewers"), db.session() as s:
        repo.update_span(s, gold_span.id, "rita", note="no longer a reviewer")
    with db.reader() as s:
        spans = repo.list_spans(s, doc_id)
    assert [(x.annotator, x.label, x.note) for x in spans] == [
        ("ana", "Location", ""), (GOLD_ANNOTATOR, "Location", "adjudicated"),
    ]  # fmt: skip
