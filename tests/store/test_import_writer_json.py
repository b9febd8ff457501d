"""The import writer's JSON text is the text SQLAlchemy's JSON type would write."""

from __future__ import annotations

from typing import Any

from annotator.store.db import make_engine
from annotator.store.import_writer import _convert, _json_texts
from annotator.store.models import ChangeLog, Span

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


def test_json_texts_are_what_the_json_type_writes() -> None:
    engine = make_engine("sqlite://")
    try:
        for column in (ChangeLog.__table__.c["after"], Span.__table__.c["attributes"]):
            through_the_type = column.type._cached_bind_processor(engine.dialect)
            assert _json_texts(VALUES) == _convert(through_the_type, VALUES)
            assert _json_texts(VALUES) == [through_the_type(value) for value in VALUES]
    finally:
        engine.dispose()
