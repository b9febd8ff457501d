"""Document labels: each annotator's judgement of a whole document for the
labels project.yaml declares (``schema.document_labels``; issue 15).

A value is a string (single choice) or a list of strings (multiple choice);
setting None removes it. Writing follows the spans' rule (people write their
own layer, reviewers the gold one) and is logged with the layer, the label's
name and the value before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from annotator.core.changes import Action, ChangeRecord, Entity
from annotator.core.model import DocumentLabelValue
from annotator.store.models import Annotator, ChangeLog, DocumentLabel, utcnow
from annotator.store.repository import annotator_id, check_can_write, log_row


def document_labels(
    session: Session, document_id: int, layers: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Layer -> {label name: value} for one document (None: every layer)."""
    stmt = (
        select(Annotator.name, DocumentLabel.name, DocumentLabel.value)
        .join(Annotator, Annotator.id == DocumentLabel.annotator_id)
        .where(DocumentLabel.document_id == document_id)
        .order_by(Annotator.name, DocumentLabel.name)
    )
    if layers is not None:
        stmt = stmt.where(Annotator.name.in_(list(layers)))
    found: dict[str, dict[str, Any]] = {}
    for layer, name, value in session.execute(stmt):
        found.setdefault(layer, {})[name] = value
    return found


def set_document_label(
    session: Session,
    document_id: int,
    layer: str,
    name: str,
    value: DocumentLabelValue | None,
    *,
    editor: str | None = None,
) -> DocumentLabelValue | None:
    """Set ``layer``'s value of the label ``name`` (None removes it); returns
    the value before. The schema check is the caller's (the value must be one
    the project declares)."""
    check_can_write(session, layer, editor or layer)
    who = annotator_id(session, layer)
    where = (
        DocumentLabel.document_id == document_id,
        DocumentLabel.annotator_id == who,
        DocumentLabel.name == name,
    )
    before = session.scalar(select(DocumentLabel.value).where(*where))
    stored = list(value) if isinstance(value, list | tuple) else value
    if before == stored:
        return before
    now = utcnow()
    if stored is None:
        session.execute(delete(DocumentLabel).where(*where))
    elif before is None:
        session.execute(
            insert(DocumentLabel).values(
                document_id=document_id, annotator_id=who, name=name, value=stored, updated_at=now
            )
        )
    else:
        session.execute(update(DocumentLabel).where(*where).values(value=stored, updated_at=now))
    record = ChangeRecord(
        Action.UPDATE, Entity.DOCUMENT_LABEL, document_id, document_id, layer,
        {"annotator": layer, "name": name, "value": before},
        {"annotator": layer, "name": name, "value": stored},
        editor=editor or layer,
    )  # fmt: skip
    by = who if editor in (None, layer) else annotator_id(session, editor or layer)
    session.connection().execute(insert(ChangeLog), log_row(record, by, now))
    return before
