"""The project database as an :class:`annotator.core.commands.EditStore`.

Each ``transaction()`` is one ``Database.session()``: the command's writes are
committed together when it ends, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from annotator.core.model import DocStatus, JsonDict, RelationData, SpanData
from annotator.store import repository
from annotator.store.db import Database


class SessionEdits:
    """The writes of one transaction, by way of the repository functions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_span(
        self,
        document_id: int,
        annotator: str,
        label: str,
        start: int,
        end: int,
        *,
        attributes: JsonDict | None = None,
        note: str = "",
        span_id: int | None = None,
    ) -> SpanData:
        return repository.add_span(
            self.session,
            document_id,
            annotator,
            label,
            start,
            end,
            attributes=attributes,
            note=note,
            span_id=span_id,
        )

    def update_span(
        self,
        span_id: int,
        editor: str,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: JsonDict | None = None,
        note: str | None = None,
    ) -> SpanData:
        return repository.update_span(
            self.session,
            span_id,
            editor,
            label=label,
            start=start,
            end=end,
            attributes=attributes,
            note=note,
        )

    def delete_span(self, span_id: int, editor: str) -> tuple[SpanData, list[RelationData]]:
        return repository.delete_span(self.session, span_id, editor)

    def add_relation(
        self,
        annotator: str,
        type_: str,
        source_id: int,
        target_id: int,
        *,
        relation_id: int | None = None,
    ) -> RelationData:
        return repository.add_relation(
            self.session, annotator, type_, source_id, target_id, relation_id=relation_id
        )

    def delete_relation(self, relation_id: int, editor: str) -> RelationData:
        return repository.delete_relation(self.session, relation_id, editor)

    def set_status(self, document_id: int, annotator: str, status: DocStatus) -> DocStatus:
        return repository.set_status(self.session, document_id, annotator, status)


class DatabaseEditStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def transaction(self) -> Iterator[SessionEdits]:
        with self.db.session() as session:
            yield SessionEdits(session)
