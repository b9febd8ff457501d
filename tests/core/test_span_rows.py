"""Spans kept as the store read them, made one at a time when asked for
(``annotator/core/span_rows.py``): the values, the mapping over them, and the
span index built from their columns."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from annotator.core import span_rows
from annotator.core.document import BlockIndex, SpanIndex
from annotator.core.model import SpanData
from annotator.core.span_rows import SpanMap, SpanRows, span_field, span_shape

TEXT = "Astana talks 🇰🇿 went on.\nBlinken said the talks in Tashkent would go on.\n"


def stored_spans(seed: int = 4, count: int = 60) -> list[SpanData]:
    """Spans in the store's read order: start, longer first, id."""
    rng = random.Random(seed)
    spans = []
    for n in range(count):
        start = rng.randrange(0, len(TEXT) - 1)
        end = rng.randint(start + 1, min(len(TEXT), start + 15))
        spans.append(
            SpanData(
                n + 1,
                7,
                rng.choice(("ana", "bob")),
                rng.choice(("Person", "Location", "Claim")),
                start,
                end,
                TEXT[start:end],
                {"n": n} if n % 5 == 0 else {},
                "checked" if n % 7 == 0 else "",
                datetime(2026, 11, 1, 12, n % 60, tzinfo=UTC),
                datetime(2026, 11, 2, 12, n % 60, 5, tzinfo=UTC),
                1 + n % 3,
            )
        )
    spans.sort(key=lambda s: (s.start, -s.end, s.id))
    return spans


def as_rows(spans: list[SpanData]) -> tuple[SpanRows, list[object]]:
    """The spans as columns with raw values (JSON text, ISO strings), as a
    driver hands them over; also every raw value converted, to count them."""
    converted: list[object] = []

    def attributes_of(raw: str) -> dict[str, int]:
        converted.append(raw)
        return {} if raw == "{}" else {"n": int(raw.split(":")[1].rstrip("}"))}

    def time_of(raw: str) -> datetime:
        converted.append(raw)
        return datetime.fromisoformat(raw)

    rows = SpanRows(
        7,
        TEXT,
        ids=tuple(s.id for s in spans),
        annotators=tuple(s.annotator for s in spans),
        labels=tuple(s.label for s in spans),
        starts=tuple(s.start for s in spans),
        ends=tuple(s.end for s in spans),
        attributes=tuple(
            "{}" if not s.attributes else f'{{"n":{s.attributes["n"]}}}' for s in spans
        ),
        notes=tuple(s.note for s in spans),
        created=tuple(s.created_at.isoformat() for s in spans if s.created_at),
        updated=tuple(s.updated_at.isoformat() for s in spans if s.updated_at),
        versions=tuple(s.version for s in spans),
        fragments=tuple(None for s in spans),
        entity_ids=tuple(None for s in spans),
        attributes_of=attributes_of,
        time_of=time_of,
    )
    return rows, converted


def test_rows_give_the_spans_read_and_make_each_only_when_asked() -> None:
    spans = stored_spans()
    rows, converted = as_rows(spans)
    assert len(rows) == len(spans) and not converted
    assert rows[3] == spans[3]
    assert len(converted) == 3  # its attributes and two timestamps, nothing else
    assert rows[3] is rows[3]  # made once, then kept
    assert len(converted) == 3
    assert list(rows) == spans
    assert rows[2:5] == spans[2:5]
    assert dict(rows.seen_versions()) == {s.id: s.version for s in spans}


def test_the_map_reads_rows_until_an_edit_takes_their_place() -> None:
    spans = stored_spans()
    rows, _ = as_rows(spans)
    by_id = SpanMap(rows)
    first, second = spans[0], spans[1]
    assert len(by_id) == len(spans) and first.id in by_id and 999 not in by_id
    assert by_id[first.id] == first and by_id.get(999) is None
    with pytest.raises(KeyError):
        by_id[999]
    moved = SpanData(first.id, 7, "ana", "Claim", 0, 6, TEXT[0:6], version=first.version + 1)
    by_id[first.id] = moved
    added = SpanData(500, 7, "ana", "Person", 26, 33, TEXT[26:33])
    by_id[added.id] = added
    del by_id[second.id]
    assert by_id[first.id] == moved and by_id[added.id] == added
    assert second.id not in by_id and len(by_id) == len(spans)
    assert sorted(by_id) == sorted([*(s.id for s in spans if s is not second), 500])
    assert {s.id: s for s in by_id.values()} == {
        **{s.id: s for s in spans if s.id not in (first.id, second.id)},
        first.id: moved,
        added.id: added,
    }
    assert by_id.pop(added.id) == added and added.id not in by_id


def test_fields_are_read_from_the_columns_without_making_spans() -> None:
    spans = stored_spans()
    rows, converted = as_rows(spans)
    by_id = SpanMap(rows)
    edited = SpanData(spans[5].id, 7, "bob", "Location", 1, 4, TEXT[1:4])
    by_id[edited.id] = edited
    for name in ("label", "start", "end", "annotator", "text"):
        read = span_field(by_id, name)
        for span in spans:
            expected = edited if span.id == edited.id else span
            assert read(span.id) == getattr(expected, name)
    assert not converted  # no span was made
    plain = {s.id: s for s in spans}
    assert span_field(plain, "label")(spans[0].id) == spans[0].label


def test_the_index_built_from_rows_finds_what_it_finds_from_spans() -> None:
    spans = stored_spans()
    blocks = BlockIndex(TEXT)
    rows, _ = as_rows(spans)
    from_rows, from_spans = SpanIndex(blocks, rows), SpanIndex(blocks, spans)
    for index in (from_rows, from_spans):
        assert isinstance(index.spans, SpanMap) == (index is from_rows)
    for lo, hi in ((0, 5), (10, 30), (25, len(TEXT))):
        assert from_rows.overlapping(lo, hi) == from_spans.overlapping(lo, hi)
    before = [sorted(from_rows.in_block(b)) for b in range(len(blocks))]
    assert before == [sorted(from_spans.in_block(b)) for b in range(len(blocks))]
    from_rows.build()
    from_spans.build()
    assert [sorted(from_rows.in_block(b)) for b in range(len(blocks))] == [
        sorted(from_spans.in_block(b)) for b in range(len(blocks))
    ]
    for offset in range(len(TEXT)):
        assert from_rows.at(offset) == from_spans.at(offset)


def test_rows_not_in_start_order_are_indexed_all_the_same() -> None:
    spans = stored_spans()
    shuffled = spans[:]
    random.Random(2).shuffle(shuffled)
    rows, _ = as_rows(shuffled)
    index, expected = SpanIndex(BlockIndex(TEXT), rows), SpanIndex(BlockIndex(TEXT), spans)
    for lo, hi in ((0, 8), (20, 40), (40, len(TEXT))):
        assert index.overlapping(lo, hi) == expected.overlapping(lo, hi)


def test_a_split_span_sorts_and_shows_by_its_joined_pieces() -> None:
    spans = stored_spans(count=3)
    rows, _ = as_rows(spans)
    pieces = ((0, 6), (13, 15))  # "Astana" and the flag
    split = SpanRows(
        7, TEXT, ids=(1,), annotators=("ana",), labels=("Quote",), starts=(0,), ends=(15,),
        attributes=("{}",), notes=("",), created=(None,), updated=(None,), versions=(1,),
        fragments=("[[0, 6], [13, 15]]",), entity_ids=(None,),
        attributes_of=lambda raw: {}, time_of=lambda raw: None,
    )  # fmt: skip
    assert split[0].fragments == pieces
    assert span_field(SpanMap(split), "text")(1) == "Astana … 🇰🇿" == split[0].text
    assert span_field(SpanMap(rows), "text")(spans[0].id) == spans[0].text


def test_shapes_and_table_fields_make_no_span_and_read_no_details() -> None:
    """What painting and the span table show of a span comes from the columns:
    the same values as the span, no span made, no details read."""
    spans = stored_spans()
    full, _ = as_rows(spans)
    asked: list[list[int]] = []

    def load(ids: Sequence[int]) -> dict[int, tuple[object, ...]]:
        asked.append(list(ids))
        return {
            full.ids[row]: (full._attributes[row], full._notes[row], full._created[row],
                            full._updated[row])
            for row in range(len(full)) if full.ids[row] in ids
        }  # fmt: skip

    lean = SpanRows.from_columns(
        7,
        TEXT,
        [full.ids, full.labels, full.starts, full.ends, full.versions, full.fragments,
         full.entity_ids],
        full.annotators,
        attributes_of=full._attributes_of,
        time_of=full._time_of,
        load_details=load,
    )  # fmt: skip
    by_id = SpanMap(lean)
    shape_of = span_shape(by_id)
    fields = {name: span_field(by_id, name) for name in ("label", "text", "start", "annotator")}
    for span in spans:
        shape = shape_of(span.id)
        assert (shape.start, shape.end, shape.fragments, shape.label, shape.annotator) == (
            span.start, span.end, span.fragments, span.label, span.annotator
        )  # fmt: skip
        assert [fields[name](span.id) for name in fields] == [
            span.label, span.text, span.start, span.annotator
        ]  # fmt: skip
    assert not asked and lean.details_unread == -(-len(spans) // span_rows.DETAILS_BLOCK)
    edited = replace(spans[5], label="Claim", note="edited here")
    by_id[edited.id] = edited
    assert shape_of(edited.id) is edited and fields["label"](edited.id) == "Claim"
    assert by_id[spans[3].id] == spans[3]  # made: its block's details are read
    assert len(asked) == 1 and lean.details_unread == 0  # one block: 60 rows
    assert list(lean) == spans  # the row edited keeps its details as read
    assert by_id[edited.id] is edited


def test_spans_without_details_need_a_loader() -> None:
    with pytest.raises(ValueError, match="load_details"):
        SpanRows(
            7, TEXT, ids=(1,), annotators=("ana",), labels=("Quote",), starts=(0,), ends=(6,),
            attributes=None, notes=None, created=None, updated=None, versions=(1,),
            fragments=(None,), entity_ids=(None,),
            attributes_of=lambda raw: {}, time_of=lambda raw: None,
        )  # fmt: skip


def test_every_span_made_at_once_reads_the_details_in_one_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(span_rows, "DETAILS_BLOCK", 4)
    spans = stored_spans()
    full, _ = as_rows(spans)
    asked: list[int] = []

    def load(ids: Sequence[int]) -> dict[int, tuple[object, ...]]:
        asked.append(len(ids))
        row_of = full.row_of()
        return {
            i: (full._attributes[r], full._notes[r], full._created[r], full._updated[r])
            for i in ids
            if (r := row_of[i]) is not None
        }

    def lean() -> SpanRows:
        return SpanRows.from_columns(
            7, TEXT,
            [full.ids, full.labels, full.starts, full.ends, full.versions, full.fragments,
             full.entity_ids],
            full.annotators, attributes_of=full._attributes_of, time_of=full._time_of,
            load_details=load,
        )  # fmt: skip

    rows = lean()
    assert rows[9] == spans[9] and asked == [4]  # its block of four
    assert list(rows) == spans and asked == [4, len(spans) - 4]  # the rest, at once
    asked.clear()
    assert list(SpanMap(lean()).values()) == spans and asked == [len(spans)]
