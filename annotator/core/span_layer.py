"""One annotator's spans on one document as three columns (issue 14).

How the SQLite agreement reader gets a layer (three JSON arrays), kept as it
comes: a sequence of (start, end, label) whose tuples are made only when
asked for, and that the agreement's counting
(:func:`annotator.core.agreement_counts.span_columns`) takes column by column.
No NumPy here, so that a reader loads without the counting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload


class SpanLayer(Sequence[tuple[int, int, str]]):
    """One annotator's spans on one document as three columns, as a reader
    gets them (three JSON arrays): a sequence of (start, end, label) whose
    tuples are made only when asked for, and that :func:`span_columns` takes
    as they are."""

    __slots__ = ("ends", "labels", "starts")

    def __init__(self, starts: list[int], ends: list[int], labels: list[str]) -> None:
        if not len(starts) == len(ends) == len(labels):
            raise ValueError("a span layer's columns differ in length")
        self.starts = starts
        self.ends = ends
        self.labels = labels

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> tuple[int, int, str]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, int, str]]: ...
    def __getitem__(self, index: int | slice) -> tuple[int, int, str] | list[tuple[int, int, str]]:
        if isinstance(index, slice):
            return list(zip(self.starts[index], self.ends[index], self.labels[index], strict=True))
        return self.starts[index], self.ends[index], self.labels[index]

    def __iter__(self) -> Iterator[tuple[int, int, str]]:
        return zip(self.starts, self.ends, self.labels, strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpanLayer | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable columns, as a list

    def __repr__(self) -> str:
        return f"SpanLayer({list(self)!r})"
