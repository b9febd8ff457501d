"""Overlapping spans cut into non-overlapping segments, and word snapping.

Pure Python (no Qt), so it is cheap to test. Qt merges overlapping format
ranges and the last background wins, so the view paints each segment once:
the innermost span's colour as the background and a bar for every span
around it (docs/design.md, "Overlapping spans").
"""

from __future__ import annotations

from bisect import bisect_right
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


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a selection to whole words and drop surrounding white space.

    A selection that starts or ends inside a word takes the whole word;
    punctuation the user chose to include (quotation marks) is kept.
    Returns an empty range (start == end) when only white space was selected.
    """
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    while (
        start > 0
        and start < len(text)
        and is_word_char(text[start])
        and is_word_char(text[start - 1])
    ):
        start -= 1
    while 0 < end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end]):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def word_at(text: str, offset: int) -> tuple[int, int]:
    """The word containing the character at ``offset`` (empty range if none)."""
    if not 0 <= offset < len(text) or not is_word_char(text[offset]):
        return offset, offset
    start = end = offset
    while start > 0 and is_word_char(text[start - 1]):
        start -= 1
    while end < len(text) and is_word_char(text[end]):
        end += 1
    return start, end


def step_word_edge(text: str, offset: int, edge: str, direction: int) -> int:
    """Where a span's start (or end) moves when stepped one word left (-1) or right (+1).

    A start always lands on the start of a word and an end on the end of one,
    so a span grows or shrinks by whole words.
    """
    n = len(text)
    position = offset
    if edge == "start" and direction < 0:
        while position > 0 and not is_word_char(text[position - 1]):
            position -= 1
        while position > 0 and is_word_char(text[position - 1]):
            position -= 1
    elif edge == "start":
        while position < n and is_word_char(text[position]):
            position += 1
        while position < n and not is_word_char(text[position]):
            position += 1
    elif direction > 0:
        while position < n and not is_word_char(text[position]):
            position += 1
        while position < n and is_word_char(text[position]):
            position += 1
    else:
        while position > 0 and is_word_char(text[position - 1]):
            position -= 1
        while position > 0 and not is_word_char(text[position - 1]):
            position -= 1
    return position


class BlockIndex:
    """Which block (paragraph) holds a code-point offset; blocks end at newlines."""

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        position = find("\n")
        while position != -1:
            starts.append(position + 1)
            position = find("\n", position + 1)
        self.starts = starts
        self.length = len(text)

    def __len__(self) -> int:
        return len(self.starts)

    def block_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def blocks_of(self, start: int, end: int) -> range:
        """Blocks that the range ``start..end`` (end exclusive) touches."""
        first = self.block_of(start)
        last = self.block_of(max(start, end - 1))
        return range(first, last + 1)

    def bounds(self, block: int) -> tuple[int, int]:
        """Start and end of a block's text, without its newline."""
        start = self.starts[block]
        end = self.starts[block + 1] - 1 if block + 1 < len(self.starts) else self.length
        return start, end
