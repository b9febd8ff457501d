"""Overlapping spans cut into non-overlapping segments.

Pure Python (no Qt), so it is cheap to test. Qt merges overlapping format
ranges and the last background wins, so the view paints each segment once:
the innermost span's colour as the background and a bar for every span
around it (docs/design.md, "Overlapping spans"). Word snapping and the block
index live with the document model in :mod:`annotator.core.document`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of the text one span covers (code points, end exclusive)."""

    span_id: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of text covered by the same spans, innermost first."""

    start: int
    end: int
    span_ids: tuple[int, ...]

    @property
    def innermost(self) -> int:
        return self.span_ids[0]

    @property
    def outer(self) -> tuple[int, ...]:
        return self.span_ids[1:]


def _nesting_key(piece: Piece) -> tuple[int, int, int]:
    # Shorter spans sit inside longer ones; between equals, the later start and
    # then the newer span count as inner, so the order is total and stable.
    return (piece.end - piece.start, -piece.start, -piece.span_id)


def segments(pieces: Iterable[Piece], lo: int = 0, hi: int | None = None) -> list[Segment]:
    """Cut the pieces into segments, clipped to ``lo..hi``.

    A sweep over the sorted edges: O(n log n) for n pieces plus the cost of
    sorting each segment's (usually one or two) covering spans.
    """
    clipped = []
    for p in pieces:
        start = max(p.start, lo)
        end = p.end if hi is None else min(p.end, hi)
        if start < end:
            clipped.append(p)
    if not clipped:
        return []
    edges: list[tuple[int, int, int]] = []  # (position, 0 = end / 1 = start, index)
    for i, p in enumerate(clipped):
        edges.append((max(p.start, lo), 1, i))
        edges.append((p.end if hi is None else min(p.end, hi), 0, i))
    edges.sort()
    active: set[int] = set()
    result: list[Segment] = []
    previous = edges[0][0]
    for position, kind, index in edges:
        if position > previous and active:
            covering = sorted((clipped[i] for i in active), key=_nesting_key)
            result.append(Segment(previous, position, tuple(p.span_id for p in covering)))
        previous = position
        if kind == 1:
            active.add(index)
        else:
            active.discard(index)
    return result
