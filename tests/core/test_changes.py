"""The change record: one shape for every writer, and every shape ever stored read back."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from annotator.core.changes import Action, ChangeRecord, Entity
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, RelationData, SpanData

SPAN = SpanData(7, 3, "ana", "Person", 0, 7, "Blinken", {"confidence": "high"}, "a note")
MOVED = replace(SPAN, label="Organization", start=1, text="linken", version=2)
LINK = RelationData(11, 3, "ana", "speaker", 8, 7)


def row(record: ChangeRecord, editor: str, **extra: Any) -> dict[str, Any]:
    """A change-log row as the store reads it: the columns, and the editor's name."""
    return {**record.to_json(), "annotator": editor, **extra}


@pytest.mark.parametrize(
    "record",
    [
        ChangeRecord.span(Action.ADD, None, SPAN),
        ChangeRecord.span(Action.UPDATE, SPAN, MOVED),
        ChangeRecord.span(Action.DELETE, SPAN, None),
        ChangeRecord.span(Action.ADD, None, SPAN, imported=True),
        ChangeRecord.relation(Action.ADD, LINK),
        ChangeRecord.relation(Action.DELETE, LINK),
        ChangeRecord.relation(Action.ADD, LINK, imported=True),
        ChangeRecord.status(3, "ana", DocStatus.NEW, DocStatus.DONE),
        ChangeRecord.status(3, "ana", "new", "in_progress", imported=True),
        ChangeRecord.role(4, "sam", "annotator", "reviewer"),
    ],
    ids=lambda r: f"{r.action}-{r.entity}{'-imported' if r.imported else ''}",
)
def test_a_record_round_trips_through_its_stored_shape(record: ChangeRecord) -> None:
    stored = row(record, "rita", id=42)
    back = ChangeRecord.from_json(stored)
    assert back == replace(record, editor="rita", id=42)
    assert back.to_json() == record.to_json()
    # The payloads may come back as JSON text (a driver without JSON support).
    as_text = {
        **stored,
        "before": json.dumps(stored["before"]),
        "after": json.dumps(stored["after"]),
    }
    assert ChangeRecord.from_json(as_text) == back


def test_the_stored_shape_is_the_one_edits_always_wrote() -> None:
    assert ChangeRecord.span(Action.ADD, None, SPAN).to_json() == {
        "action": "add", "entity": "span", "entity_id": 7, "document_id": 3, "before": None,
        "after": {
            "document_id": 3, "annotator": "ana", "label": "Person", "start": 0, "end": 7,
            "text": "Blinken", "attributes": {"confidence": "high"}, "note": "a note",
            "version": 1,
        },
    }  # fmt: skip
    assert ChangeRecord.relation(Action.DELETE, LINK).to_json() == {
        "action": "delete", "entity": "relation", "entity_id": 11, "document_id": 3,
        "before": {"annotator": "ana", "type": "speaker", "source_id": 8, "target_id": 7},
        "after": None,
    }  # fmt: skip
    assert ChangeRecord.status(3, "ana", DocStatus.NEW, DocStatus.DONE, imported=True).to_json() == {
        "action": "import", "entity": "document", "entity_id": 3, "document_id": 3,
        "before": {"annotator": "ana", "status": "new"},
        "after": {"annotator": "ana", "status": "done"},
    }  # fmt: skip
    assert ChangeRecord.role(4, "sam", "annotator", "reviewer").to_json()["after"] == {
        "name": "sam",
        "role": "reviewer",
    }


# The shapes the three writers stored before there was one record (see git
# history of annotator/store/repository.py and bulk.py): what databases hold.
OLD_ROWS: list[tuple[str, dict[str, Any]]] = [
    # Edits before live updates: relations and statuses did not name the layer.
    ("edit relation, no layer", {
        "annotator": "ana", "action": "add", "entity": "relation", "entity_id": 11,
        "document_id": 3, "before": None,
        "after": {"type": "speaker", "source_id": 8, "target_id": 7},
    }),
    ("edit status, no layer", {
        "annotator": "ana", "action": "status", "entity": "document", "entity_id": 3,
        "document_id": 3, "before": {"status": "new"}, "after": {"status": "done"},
    }),
    # Imports before gold needed a reviewer: the same, under the action "import".
    ("import relation, no layer", {
        "annotator": "ana", "action": "import", "entity": "relation", "entity_id": 11,
        "document_id": 3, "before": None,
        "after": {"type": "speaker", "source_id": 8, "target_id": 7},
    }),
    ("import status, no layer", {
        "annotator": "ana", "action": "import", "entity": "document", "entity_id": 3,
        "document_id": 3, "before": {"status": "new"}, "after": {"status": "done"},
    }),
    # Imports since: the layer named, still the action "import".
    ("import span", {
        "annotator": "ana", "action": "import", "entity": "span", "entity_id": 7,
        "document_id": 3, "before": None,
        "after": {
            "document_id": 3, "annotator": "ana", "label": "Person", "start": 0, "end": 7,
            "text": "Blinken", "attributes": {"confidence": "high"}, "note": "a note",
            "version": 1,
        },
    }),
]  # fmt: skip


@pytest.mark.parametrize("stored", [r for _, r in OLD_ROWS], ids=[n for n, _ in OLD_ROWS])
def test_old_shapes_are_read_as_the_edit_they_were(stored: dict[str, Any]) -> None:
    record = ChangeRecord.from_json(stored)
    assert record.layer == "ana" and record.editor == "ana" and record.document_id == 3
    assert record.imported == (stored["action"] == "import")
    if record.entity == Entity.RELATION:
        assert record.action == Action.ADD
        assert record.relation_data() == LINK
    elif record.entity == Entity.DOCUMENT:
        assert record.action == Action.STATUS
        assert record.new_status() == DocStatus.DONE
    else:
        assert record.action == Action.ADD
        assert record.span_data() == SPAN


def test_adjudication_names_the_reviewer_and_the_gold_layer() -> None:
    gold = replace(SPAN, annotator=GOLD_ANNOTATOR)
    record = ChangeRecord.from_json(row(ChangeRecord.span(Action.DELETE, gold, None), "rita"))
    assert (record.layer, record.editor, record.removed) == (GOLD_ANNOTATOR, "rita", True)
    assert record.span_data() == gold
    link = ChangeRecord.from_json(
        row(ChangeRecord.relation(Action.ADD, replace(LINK, annotator=GOLD_ANNOTATOR)), "rita")
    )
    assert link.relation_data() == replace(LINK, annotator=GOLD_ANNOTATOR)


def test_a_role_change_names_the_person_not_a_layer() -> None:
    record = ChangeRecord.from_json(
        row(ChangeRecord.role(4, "sam", "annotator", "reviewer"), "rita")
    )
    assert (record.layer, record.editor, record.document_id) == ("sam", "rita", None)
    assert record.span_data() is None and record.relation_data() is None
    assert record.new_status() is None


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        ChangeRecord.from_json({"annotator": "ana", "action": "frobnicate", "entity": "span"})
