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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping, Sequence
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any, overload

import orjson

from annotator.core.model import JsonDict, SpanData
from annotator.core.pieces import joined_text, pieces_of


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
        attributes: Sequence[Any],
        notes: Sequence[str],
        created: Sequence[Any],
        updated: Sequence[Any],
        versions: Sequence[int],
        fragments: Sequence[Any],
        entity_ids: Sequence[int | None],
        attributes_of: Callable[[Any], JsonDict],
        time_of: Callable[[Any], datetime | None],
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
        self._attributes = attributes
        self._notes = notes
        self._created = created
        self._updated = updated
        self._attributes_of = attributes_of
        self._time_of = time_of
        self._made: list[SpanData | None] = [None] * len(ids)

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
    ) -> SpanRows:
        """From the columns a reader fetched, in this order: id, label, start,
        end, attributes, note, created, updated, version, fragments (JSON
        text or None), entity id."""
        (ids, labels, starts, ends, attributes, notes, created, updated, versions, fragments,
         entity_ids) = columns  # fmt: skip
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
            start, end = self.starts[row], self.ends[row]
            raw = self.fragments[row]
            if raw is not None and isinstance(raw, str | bytes):
                raw = orjson.loads(raw)  # SQLite's text; PostgreSQL's driver decodes JSON itself
            pieces = None if raw is None else pieces_of(start, end, raw)
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
            self._made[row] = span
        return span

    def __iter__(self) -> Iterator[SpanData]:
        return map(self.__getitem__, range(len(self.ids)))

    def seen_versions(self) -> Iterator[tuple[int, int]]:
        """(span id, version) of every span, without making the spans."""
        return zip(self.ids, self.versions, strict=True)


_COLUMN_OF = {"label": "labels", "start": "starts", "end": "ends", "annotator": "annotators"}


class SpanMap(MutableMapping[int, SpanData]):
    """Spans by id over :class:`SpanRows`: a row until a span is set in its
    place (an edit), removed, or added."""

    def __init__(self, rows: SpanRows) -> None:
        self.rows = rows
        self._row_of: dict[int, int] = dict(zip(rows.ids, range(len(rows)), strict=True))
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
                    return rows[row].text
                return text[starts[row] : ends[row]]

            return text_of
        column = getattr(rows, _COLUMN_OF[name])
        attribute = attrgetter(name)

        def value_of(span_id: int) -> Any:
            span = changed.get(span_id)
            return attribute(span) if span is not None else column[row_of[span_id]]

        return value_of


def span_field(spans: MutableMapping[int, SpanData], name: str) -> Callable[[int], Any]:
    """One field of a span by id, for any mapping (see :meth:`SpanMap.field`)."""
    if isinstance(spans, SpanMap):
        return spans.field(name)
    attribute = attrgetter(name)
    return lambda span_id: attribute(spans[span_id])
