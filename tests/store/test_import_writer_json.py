"""The SQLite import writer's value texts are what the models' column types write,
and its permission rule is the repository's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from annotator.core.errors import PermissionDenied
from annotator.store import import_sqlite
from annotator.store import repository as repo
from annotator.store.db import make_engine, open_database
from annotator.store.models import ChangeLog, DocumentLabel, NamedEntity, Span

VALUES: list[Any] = [
    None,
    {},
    {"k": "v"},
    {},
    None,
    {"nested": {"list": [1, 2.5, None, True]}, "text": 'Tokayev «said» 🇰🇿\n"q"'},
    [],
    {"": 0},
]

TIMES = [
    datetime(2026, 12, 1, 1, 2, 3, tzinfo=UTC),
    datetime(2026, 12, 1, 1, 2, 3, 456789, tzinfo=UTC),
    datetime(2026, 12, 1, 4, 2, 3, 5, tzinfo=timezone(timedelta(hours=3))),
    datetime(999, 1, 2, 3, 4, 5),
]


def test_json_and_time_texts_are_what_the_column_types_write() -> None:
    engine = make_engine("sqlite://")
    try:
        for column in (ChangeLog.__table__.c["after"], Span.__table__.c["attributes"]):
            through_the_type = column.type._cached_bind_processor(engine.dialect)
            assert through_the_type is not None
            assert [import_sqlite.json_text(v) for v in VALUES] == [
                through_the_type(v) for v in VALUES
            ]
        time_through_the_type = Span.__table__.c["created_at"].type._cached_bind_processor(
            engine.dialect
        )
        assert time_through_the_type is not None
        assert [import_sqlite.time_text(t) for t in TIMES] == [
            time_through_the_type(t) for t in TIMES
        ]
    finally:
        engine.dispose()


def test_pieces_aliases_and_document_label_texts_are_what_the_column_types_write() -> None:
    engine = make_engine("sqlite://")
    try:
        for column, values in (
            (Span.__table__.c["fragments"], [((1, 12), (25, 33)), [[0, 1], [2, 3]]]),
            (NamedEntity.__table__.c["aliases"], [["Blinken", "the «Secretary»"], []]),
            (DocumentLabel.__table__.c["value"], ["yes", ["politics", "war"], []]),
        ):
            through_the_type = column.type._cached_bind_processor(engine.dialect)
            assert through_the_type is not None
            assert [import_sqlite.json_text(v) for v in values] == [
                through_the_type(v) for v in values
            ]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("layer", "editor"),
    [
        ("ana", "ana"),
        ("ana", "ben"),
        ("gold", "rita"),
        ("gold", "ana"),
        ("gold", "gold"),
        ("ana", ""),
    ],
)
def test_the_writer_refuses_as_the_repository_does(tmp_path: Any, layer: str, editor: str) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'p.sqlite'}", create=True)
    try:
        with db.session() as s:
            repo.set_roles(s, ["rita"])
            repo.annotator_id(s, "ana")

        def outcome(check: Any, session: Any) -> str:
            try:
                check(session, layer, editor)
            except PermissionDenied as exc:
                return str(exc)
            return "allowed"

        with db.session() as s:
            by_repository = outcome(repo.check_can_write, s)
            by_writer = outcome(
                import_sqlite.check_can_write, s.connection().connection.driver_connection
            )
    finally:
        db.close()
    assert by_writer == by_repository
