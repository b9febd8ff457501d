"""A span in several pieces: "We will win," he said, "and soon." is one quote
(issue 15; docs/design.md, "Split spans and entities").

A split span keeps ``start`` and ``end`` as its outer bounds, so every reader
that orders, finds or draws spans by offsets goes on working, and lists its
pieces as ``fragments``: ordered, non-empty, apart (two pieces that touch or
overlap are one piece), the first starting at ``start``, the last ending at
``end``. A span in one piece has no fragments. Its text is the pieces' texts
joined by :data:`PIECE_JOINER`, the form the native format writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from annotator.core.model import OffsetError, SpanData, check_span_bounds

Piece = tuple[int, int]
Pieces = tuple[Piece, ...]

PIECE_JOINER = " … "
"""Between the pieces of a split span's text (the native format's ``text``)."""


def normalise(pieces: Iterable[Sequence[int]]) -> Pieces:
    """``pieces`` in order, with pieces that touch or overlap merged.

    Raises :class:`OffsetError` for a piece that is not two integers or is empty.
    """
    found: list[Piece] = []
    for piece in pieces:
        if len(piece) != 2:
            raise OffsetError(f"a piece is [start, end], got {list(piece)!r}")
        start, end = piece
        if not isinstance(start, int) or not isinstance(end, int) or end <= start:
            raise OffsetError(f"piece {start!r}-{end!r} is empty or not two integers")
        found.append((start, end))
    if not found:
        raise OffsetError("a span needs at least one piece")
    found.sort()
    merged = [found[0]]
    for start, end in found[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return tuple(merged)


def stored_fragments(pieces: Pieces) -> Pieces | None:
    """What a span stores: None for one piece, else the pieces."""
    return pieces if len(pieces) > 1 else None


def pieces_of(start: int, end: int, fragments: Iterable[Sequence[int]] | None) -> Pieces:
    """A span's pieces: its fragments, or its one piece ``start``-``end``."""
    if fragments is None:
        return ((start, end),)
    return tuple((int(s), int(e)) for s, e in fragments)


def check_pieces(length: int, pieces: Pieces) -> None:
    """Raise :class:`OffsetError` unless every piece lies inside a text of
    ``length`` and the pieces are ordered and apart (as :func:`normalise` gives)."""
    previous_end = -1
    for start, end in pieces:
        check_span_bounds(length, start, end)
        if start <= previous_end:
            raise OffsetError(
                f"piece {start}-{end} touches or overlaps the piece before it "
                "(pieces are ordered and apart)"
            )
        previous_end = end


def joined_text(text: str, pieces: Pieces) -> str:
    """A span's text: its pieces of ``text``, joined by :data:`PIECE_JOINER`."""
    return PIECE_JOINER.join(text[start:end] for start, end in pieces)


def with_piece(pieces: Pieces, piece: Piece) -> Pieces:
    """``pieces`` with ``piece`` added (merged with any it touches)."""
    return normalise([*pieces, piece])


def without_piece(pieces: Pieces, index: int) -> Pieces:
    """``pieces`` without the one at ``index``; the last piece cannot go."""
    if len(pieces) < 2:
        raise OffsetError("a span keeps at least one piece (delete the span instead)")
    if not 0 <= index < len(pieces):
        raise OffsetError(f"the span has no piece {index + 1} (it has {len(pieces)})")
    return pieces[:index] + pieces[index + 1 :]


def piece_at(pieces: Pieces, start: int, end: int | None = None) -> int | None:
    """The index of the first piece holding ``start`` or, given ``end``, sharing
    a character with ``start..end``; None when none does."""
    for index, (piece_start, piece_end) in enumerate(pieces):
        if end is None and piece_start <= start < piece_end:
            return index
        if end is not None and piece_start < end and start < piece_end:
            return index
    return None


def covers(span: SpanData, offset: int) -> bool:
    """Whether one of ``span``'s pieces holds ``offset`` (not a split span's gap)."""
    if not span.start <= offset < span.end:
        return False
    return span.fragments is None or piece_at(span.fragments, offset) is not None
