"""Very long paragraphs shown as several display blocks, offsets kept exact.

Qt lays a QPlainTextEdit out one paragraph (block) at a time, and a paragraph
is laid out whole: a 30 MB article on one line froze the window for 20 s and
more, and a 1 MB line without a space (a base64 blob, minified data) for 25 s,
because line breaking a word that long grows with the square of its length.
So a paragraph longer than :data:`MAX_BLOCK` characters is shown as several
blocks: the text Qt holds gets a line break after a space near each
:data:`MAX_BLOCK` characters (or, in a run without spaces, right at the limit).

The stored text is never changed: the breaks exist only in the view.
:class:`DisplayMap` converts between code points of the stored text and Qt's
positions in the displayed one (UTF-16, with the breaks), and
:class:`DisplayBlocks` tells which display block holds an offset, so every
offset that leaves the view is exact. A break's position maps to the start of
the block after it; both sides of an inserted break map to the same offset.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from heapq import merge
from itertools import pairwise

from annotator.core.document import BlockIndex
from annotator.core.offsets import Utf16Map

MAX_BLOCK = 4096
"""Longest display block, in characters. Laying out 4,096 characters takes a
few milliseconds even without a space in them."""

MAX_DOCUMENT_MB = 20
"""The window shows documents up to this many million characters (a 20 MB
article takes about half a second to show on a 2-core machine; handing the
text to Qt is most of it). A longer one is refused with a message in the view;
``view/max_document_mb`` in window.ini changes the limit."""


def max_document_chars(setting: object) -> int:
    """The limit in characters, from the setting's value (None: the default)."""
    try:
        megabytes = float(str(setting)) if setting is not None else MAX_DOCUMENT_MB
    except ValueError:
        megabytes = MAX_DOCUMENT_MB
    return int(megabytes * 1_000_000)


def display_breaks(text: str, limit: int = MAX_BLOCK) -> list[int]:
    """Code-point offsets where a display block starts inside a paragraph."""
    breaks: list[int] = []
    find, rfind = text.find, text.rfind
    length = len(text)
    start = 0
    while start < length:
        end = find("\n", start)
        end = length if end == -1 else end
        position = start
        while end - position > limit:
            space = rfind(" ", position + limit // 2, position + limit)
            position = position + limit if space == -1 else space + 1
            breaks.append(position)
        start = end + 1
    return breaks


class DisplayMap(Utf16Map):
    """Code points of the stored text <-> positions in the displayed text."""

    __slots__ = ("_break_positions", "_breaks")

    def __init__(self, text: str, breaks: list[int]) -> None:
        super().__init__(text)
        self._breaks = breaks
        to_utf16 = super().to_utf16
        # Where each inserted line break sits in the displayed text.
        self._break_positions = [to_utf16(b) + n for n, b in enumerate(breaks)]

    @property
    def utf16_length(self) -> int:
        return super().utf16_length + len(self._breaks)

    def to_utf16(self, offset: int) -> int:
        return super().to_utf16(offset) + bisect_right(self._breaks, offset)

    def to_codepoint(self, position: int) -> int:
        if not 0 <= position <= self.utf16_length:
            raise ValueError(f"position {position} outside 0..{self.utf16_length}")
        return super().to_codepoint(position - bisect_left(self._break_positions, position))


class DisplayBlocks(BlockIndex):
    """Blocks end at newlines and at the display breaks (which take no character)."""

    def __init__(self, text: str, breaks: list[int]) -> None:
        super().__init__(text)
        self._soft = frozenset(breaks)
        if breaks:
            self.starts = list(merge(self.starts, breaks))

    def bounds(self, block: int) -> tuple[int, int]:
        start = self.starts[block]
        if block + 1 >= len(self.starts):
            return start, self.length
        following = self.starts[block + 1]
        return start, following if following in self._soft else following - 1


class DisplayText:
    """The text a view shows for a stored text, with its offset map and blocks."""

    __slots__ = ("blocks", "breaks", "map", "source", "text")

    def __init__(self, text: str, limit: int = MAX_BLOCK) -> None:
        self.source = text
        """The stored text shown."""
        self.breaks = display_breaks(text, limit)
        if not self.breaks:  # the usual case: shown as it is
            self.text = text
            self.map: Utf16Map = Utf16Map(text)
            self.blocks: BlockIndex = BlockIndex(text)
            return
        cuts = [0, *self.breaks, len(text)]
        self.text = "\n".join(text[a:b] for a, b in pairwise(cuts))
        self.map = DisplayMap(text, self.breaks)
        self.blocks = DisplayBlocks(text, self.breaks)
