"""A document's spans as read, column by column; a span object made when asked for.

A click on a 1 MB article with 20,000 spans reads 20,000 rows (issue 14).
Making a frozen :class:`SpanData` for each, with its two timestamps parsed
and its attributes decoded, took about as long as the read itself, and the
first screen shows a hundred of them. :class:`SpanRows` keeps the values as
the store read them, one tuple per column, and makes a span's ``SpanData``
the first time it is asked for (then keeps it); the span index and the span
table work on the columns (ids, starts, ends, labels) without making any.
:class:`SpanMap` is the mutable "spans by id" the document model and the
span table keep over one: spans set after the read (an edit) take the place
of their row. The values made are the ones the store's reader makes
(``tests/store/test_document_reader.py`` compares them).

A window's read leaves a span's details out (attributes, note, timestamps:
most of what the read cost, and nothing a paint or the span table shows):
they are read by id, a block of rows at a time, when a span of the block is
first made (``load_details``), as stored then. Painting and the span table
read the columns (:meth:`SpanMap.shape`, :meth:`SpanMap.field`) and make no
span.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence, ValuesView
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any, overload

import orjson

from annotator.core.model import JsonDict, SpanData
from annotator.core.pieces import joined_text, pieces_of

DetailsLoader = Callable[[Sequence[int]], Mapping[int, Sequence[Any]] | None]
"""Span ids -> {id: (attributes, note, created, updated)} as the driver gives
them, read when called (a span deleted since is missing); None when the
database cannot be read now (the span is then made with empty details and
not kept, so that the next ask reads again)."""

DETAILS_BLOCK = 256
"""Rows whose details one read fetches (the rows near a span are the text
near it: a click or a screen of outlines needs one or two reads)."""


class SpanRows(Sequence[SpanData]):
    """The spans of one document, in the order read: by start, longer first, id.

    Columns are parallel sequences, one value per span. A span's text is
    ``text[start:end]`` (the store keeps them equal, docs/design.md,
    "Offsets"), or for a split span its pieces' texts joined (``fragments``,
    ``annotator.core.pieces``); ``attributes``, ``created`` and ``updated`` hold the values as
    the database driver gave them, turned into a dict and datetimes by
    ``attributes_of`` and ``time_of`` when the span is made; a note of None
    is an empty one.
    """

    def __init__(
        self,
        document_id: int,
        text: str,
        *,
        ids: Sequence[int],
        annotators: Sequence[str],
        labels: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        attributes: Sequence[Any] | None,
        notes: Sequence[str | None] | None,
        created: Sequence[Any] | None,
        updated: Sequence[Any] | None,
        versions: Sequence[int],
        fragments: Sequence[Any],
        entity_ids: Sequence[int | None],
        attributes_of: Callable[[Any], JsonDict],
        time_of: Callable[[Any], datetime | None],
        load_details: DetailsLoader | None = None,
    ) -> None:
        self.document_id = document_id
        self.text = text
        self.ids = ids
        self.annotators = annotators
        self.labels = labels
        self.starts = starts
        self.ends = ends
        self.versions = versions
        self.entity_ids = entity_ids
        self.fragments = fragments
        """Each span's pieces as the driver gave them (None: one piece)."""
        self._attributes_of = attributes_of
        self._time_of = time_of
        self._made: list[SpanData | None] = [None] * len(ids)
        self._rows_by_id: dict[int, int] | None = None
        count = len(ids)
        self._unread = bytearray()
        """1 for each block of DETAILS_BLOCK rows whose details are not read yet."""
        self._load_details = load_details
        if attributes is None or notes is None or created is None or updated is None:
            if load_details is None:
                raise ValueError("spans read without their details need a load_details")
            self._unread = bytearray(b"\x01") * -(-count // DETAILS_BLOCK)
            attributes, notes, created, updated = ([None] * count for _ in range(4))
        self._attributes: Sequence[Any] = attributes
        self._notes: Sequence[str | None] = notes
        self._created: Sequence[Any] = created
        self._updated: Sequence[Any] = updated

    @classmethod
    def from_columns(
        cls,
        document_id: int,
        text: str,
        columns: Sequence[Sequence[Any]],
        annotators: Sequence[str],
        *,
        attributes_of: Callable[[Any], JsonDict],
        time_of: Callable[[Any], datetime | None],
        load_details: DetailsLoader | None = None,
    ) -> SpanRows:
        """From the columns a reader fetched, in this order: id, label, start,
        end, attributes, note, created, updated, version, fragments (JSON
        text or None), entity id; without attributes, note, created and
        updated when ``load_details`` reads them later."""
        attributes: Sequence[Any] | None
        notes: Sequence[Any] | None
        created: Sequence[Any] | None
        updated: Sequence[Any] | None
        if load_details is None:
            (ids, labels, starts, ends, attributes, notes, created, updated, versions, fragments,
             entity_ids) = columns  # fmt: skip
        else:
            ids, labels, starts, ends, versions, fragments, entity_ids = columns
            attributes = notes = created = updated = None
        return cls(
            document_id,
            text,
            ids=ids,
            annotators=annotators,
            labels=labels,
            starts=starts,
            ends=ends,
            attributes=attributes,
            notes=notes,
            created=created,
            updated=updated,
            versions=versions,
            fragments=fragments,
            entity_ids=entity_ids,
            attributes_of=attributes_of,
            time_of=time_of,
            load_details=load_details,
        )

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, row: int) -> SpanData: ...

    @overload
    def __getitem__(self, row: slice) -> list[SpanData]: ...

    def __getitem__(self, row: int | slice) -> SpanData | list[SpanData]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        span = self._made[row]
        if span is None:
            keep = True
            if self._unread and self._unread[row // DETAILS_BLOCK]:
                keep = self._read_details(row // DETAILS_BLOCK)
            start, end = self.starts[row], self.ends[row]
            pieces = self.pieces(row)
            span = SpanData(
                self.ids[row],
                self.document_id,
                self.annotators[row],
                self.labels[row],
                start,
                end,
                self.text[start:end] if pieces is None else joined_text(self.text, pieces),
                self._attributes_of(self._attributes[row]),
                self._notes[row] or "",
                self._time_of(self._created[row]),
                self._time_of(self._updated[row]),
                self.versions[row],
                pieces,
                self.entity_ids[row],
            )
            if keep:
                self._made[row] = span
        return span

    @property
    def details_unread(self) -> int:
        """How many blocks of rows have their details still to read."""
        return sum(self._unread)

    def pieces(self, row: int) -> tuple[tuple[int, int], ...] | None:
        """A row's pieces (None: one piece), from its fragments column."""
        raw = self.fragments[row]
        if raw is None:
            return None
        if isinstance(raw, str | bytes):
            raw = orjson.loads(raw)  # SQLite's text; PostgreSQL's driver decodes JSON itself
        return pieces_of(self.starts[row], self.ends[row], raw)

    def _read_details(self, block: int) -> bool:
        """Read the details of a block of rows, as stored now (a span another
        session changed since the read shows its new details until the
        change arrives and replaces it; its version stays the one read, so
        an edit on it is refused as stale, as it was before). False when
        they cannot be read now."""
        return self._read_blocks([block])

    def read_all_details(self) -> None:
        """Read the details of every row not read yet, at once (before making
        every span: one read instead of one a block)."""
        unread = [block for block, flag in enumerate(self._unread) if flag]
        if unread:
            self._read_blocks(unread)

    def _read_blocks(self, blocks: Sequence[int]) -> bool:
        assert self._load_details is not None
        ids = self.ids
        rows = [
            row
            for block in blocks
            for row in range(block * DETAILS_BLOCK, min((block + 1) * DETAILS_BLOCK, len(ids)))
        ]
        found = self._load_details([ids[row] for row in rows])
        if found is None:
            return False
        attributes, notes, created, updated = (
            self._attributes,
            self._notes,
            self._created,
            self._updated,
        )
        assert isinstance(attributes, list) and isinstance(notes, list)
        assert isinstance(created, list) and isinstance(updated, list)
        for row in rows:
            values = found.get(ids[row])
            if values is not None:  # else deleted since: empty details
                attributes[row], notes[row], created[row], updated[row] = values
        for block in blocks:
            self._unread[block] = 0
        return True

    def __iter__(self) -> Iterator[SpanData]:
        self.read_all_details()
        return map(self.__getitem__, range(len(self.ids)))

    def row_of(self) -> dict[int, int]:
        """Each span's row by id (made once: the view's index and the span table
        each keep a copy, cheaper than making it again)."""
        if self._rows_by_id is None:
            self._rows_by_id = dict(zip(self.ids, range(len(self.ids)), strict=True))
        return self._rows_by_id

    def seen_versions(self) -> Iterator[tuple[int, int]]:
        """(span id, version) of every span, without making the spans."""
        return zip(self.ids, self.versions, strict=True)


_COLUMN_OF = {"label": "labels", "start": "starts", "end": "ends", "annotator": "annotators"}


class SpanMap(MutableMapping[int, SpanData]):
    """Spans by id over :class:`SpanRows`: a row until a span is set in its
    place (an edit), removed, or added."""

    def __init__(self, rows: SpanRows) -> None:
        self.rows = rows
        self._row_of: dict[int, int] = rows.row_of().copy()
        self._set: dict[int, SpanData] = {}

    def __getitem__(self, span_id: int) -> SpanData:
        span = self._set.get(span_id)
        if span is not None:
            return span
        return self.rows[self._row_of[span_id]]

    def get(self, span_id: int, default: Any = None) -> Any:
        try:
            return self[span_id]
        except KeyError:
            return default

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._set or span_id in self._row_of

    def __setitem__(self, span_id: int, span: SpanData) -> None:
        self._row_of.pop(span_id, None)
        self._set[span_id] = span

    def __delitem__(self, span_id: int) -> None:
        if span_id in self._set:
            del self._set[span_id]
        else:
            del self._row_of[span_id]

    def __iter__(self) -> Iterator[int]:
        return chain(self._row_of, self._set)

    def values(self) -> ValuesView[SpanData]:
        """Every span (their details read at once first, not a block at a time)."""
        self.rows.read_all_details()
        return super().values()

    def __len__(self) -> int:
        return len(self._row_of) + len(self._set)

    def field(self, name: str) -> Callable[[int], Any]:
        """A function giving one field of a span by id ("label", "start",
        "end", "annotator", "text"), read from the columns for a span not
        made yet: sorting 20,000 rows makes no span."""
        rows, row_of, changed = self.rows, self._row_of, self._set
        if name == "text":
            text, starts, ends, fragments = rows.text, rows.starts, rows.ends, rows.fragments

            def text_of(span_id: int) -> Any:
                span = changed.get(span_id)
                if span is not None:
                    return span.text
                row = row_of[span_id]
                if fragments[row] is not None:  # a split span: its pieces, joined
                    return joined_text(text, rows.pieces(row) or ())
                return text[starts[row] : ends[row]]

            return text_of
        column = getattr(rows, _COLUMN_OF[name])
        attribute = attrgetter(name)

        def value_of(span_id: int) -> Any:
            span = changed.get(span_id)
            return attribute(span) if span is not None else column[row_of[span_id]]

        return value_of


class SpanShape:
    """What painting a span needs (its place, pieces, label and layer),
    taken from the columns without making the span."""

    __slots__ = ("annotator", "end", "fragments", "id", "label", "start")

    def __init__(
        self,
        span_id: int,
        start: int,
        end: int,
        fragments: tuple[tuple[int, int], ...] | None,
        label: str,
        annotator: str,
    ) -> None:
        self.id = span_id
        self.start = start
        self.end = end
        self.fragments = fragments
        self.label = label
        self.annotator = annotator


def span_shape(spans: Mapping[int, SpanData]) -> Callable[[int], SpanData | SpanShape]:
    """A span's shape by id: for a :class:`SpanMap`, a span not made yet is
    read from the columns (its details are not read); else the span itself."""
    if not isinstance(spans, SpanMap):
        return spans.__getitem__
    rows, row_of, changed, made = spans.rows, spans._row_of, spans._set, spans.rows._made
    starts, ends, fragments, labels, annotators = (
        rows.starts,
        rows.ends,
        rows.fragments,
        rows.labels,
        rows.annotators,
    )

    def shape_of(span_id: int) -> SpanData | SpanShape:
        span = changed.get(span_id)
        if span is not None:
            return span
        row = row_of[span_id]
        span = made[row]
        if span is not None:
            return span
        return SpanShape(
            span_id,
            starts[row],
            ends[row],
            None if fragments[row] is None else rows.pieces(row),
            labels[row],
            annotators[row],
        )

    return shape_of


def span_field(spans: MutableMapping[int, SpanData], name: str) -> Callable[[int], Any]:
    """One field of a span by id, for any mapping (see :meth:`SpanMap.field`)."""
    if isinstance(spans, SpanMap):
        return spans.field(name)
    attribute = attrgetter(name)
    return lambda span_id: attribute(spans[span_id])
