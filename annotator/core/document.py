"""The document open in the article view, without Qt (docs/design.md, "Document model").

:class:`DocumentModel` owns what the view shows and what an analyst may do
with it: the text, its spans and relations, an index answering "which spans
lie here" fast on documents of tens of thousands of spans, the selected text
and span, word snapping, the layer being edited and the permission to edit
it, and link mode. The view draws the model and turns Qt's events into calls
on it, converting Qt's UTF-16 positions to code points once per event; every
offset here is a code point into the stored text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import attrgetter

from annotator.core.commands import Changes
from annotator.core.model import RelationData, SpanData
from annotator.core.pieces import covers, piece_at, pieces_of
from annotator.core.schema import LabelSchema
from annotator.core.span_rows import SpanMap, SpanRows

_ID = attrgetter("id")
_START = attrgetter("start")
_END = attrgetter("end")


def _ascending(values: Sequence[int]) -> bool:
    # Sorting sorted values is one linear pass in C (timsort finds one run).
    return sorted(values) == list(values)


def _by_start(
    ids: Sequence[int], starts: Sequence[int], ends: Sequence[int]
) -> tuple[list[int], list[int], list[int]]:
    order = sorted(range(len(ids)), key=starts.__getitem__)
    return (
        [ids[i] for i in order],
        [starts[i] for i in order],
        [ends[i] for i in order],
    )


# --- words ------------------------------------------------------------------


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


# --- the span index -----------------------------------------------------------


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


class SpanIndex:
    """Spans by id, and which of them lie in each block.

    Each block keeps the set of spans touching it, so "spans in this
    paragraph" is one lookup and "spans at this offset" scans one small set.
    Building the sets takes a tight pass over every span, which a view opening
    a long article puts off until its first screen is painted: until
    :meth:`build` runs, spans are found in columns sorted by start. Spans
    given as :class:`SpanRows` (the store's read) stay rows until one is
    asked for (:class:`SpanMap`).
    """

    def __init__(self, blocks: BlockIndex, spans: Iterable[SpanData] | SpanRows = ()) -> None:
        self.blocks = blocks
        self.spans: MutableMapping[int, SpanData]
        ids: Sequence[int]
        starts: Sequence[int]
        ends: Sequence[int]
        if isinstance(spans, SpanRows):
            self.spans = SpanMap(spans)
            ids, starts, ends = spans.ids, spans.starts, spans.ends
            if not _ascending(starts):
                ids, starts, ends = _by_start(ids, starts, ends)
        else:
            ordered = sorted(spans, key=_START)
            self.spans = {span.id: span for span in ordered}
            ids, starts, ends = (
                list(map(_ID, ordered)),
                list(map(_START, ordered)),
                list(map(_END, ordered)),
            )
        self._ordered_ids = ids
        self._ordered_starts = starts
        self._ordered_ends = ends
        self._ordered_max_end: list[int] = list(accumulate(ends, max))
        self._block_spans: list[set[int]] = []
        self.ready = False

    def build(self) -> None:
        """Index every span by the blocks it touches (one pass, tight loop)."""
        if self.ready:
            return
        starts = self.blocks.starts
        block_spans: list[set[int]] = [set() for _ in range(len(starts))]
        # Every span is still there: spans are added and removed only once built.
        for span_id, start, end in zip(
            self._ordered_ids, self._ordered_starts, self._ordered_ends, strict=True
        ):
            first = bisect_right(starts, start) - 1
            last = bisect_right(starts, end - 1) - 1
            if first == last:
                block_spans[first].add(span_id)
            else:
                for block in range(first, last + 1):
                    block_spans[block].add(span_id)
        self._block_spans = block_spans
        self._ordered_ids = self._ordered_starts = self._ordered_ends = []
        self._ordered_max_end = []
        self.ready = True

    def in_block(self, number: int) -> Iterable[int]:
        """Ids of the spans touching a block."""
        if self.ready:
            return self._block_spans[number]
        return self._scan(*self.blocks.bounds(number))

    def _scan(self, lo: int, hi: int) -> list[int]:
        found = []
        ids, starts, ends = self._ordered_ids, self._ordered_starts, self._ordered_ends
        # Spans starting before ``hi``; walking back, stop once no earlier span
        # reaches past ``lo``.
        j = bisect_left(starts, hi) - 1
        while j >= 0 and self._ordered_max_end[j] > lo:
            if ends[j] > lo and starts[j] < hi:
                found.append(ids[j])
            j -= 1
        return found

    def overlapping(self, start: int, end: int) -> list[SpanData]:
        """Spans sharing at least one character with ``start..end``, by start."""
        spans = self.spans
        if not self.ready:
            found = [spans[i] for i in self._scan(start, end)]
        else:
            ids: set[int] = set()
            for block in self.blocks.blocks_of(start, end):
                ids.update(self._block_spans[block])
            found = [s for i in ids if (s := spans[i]).start < end and s.end > start]
        found.sort(key=lambda s: (s.start, s.end, s.id))
        return found

    def at(self, offset: int) -> list[SpanData]:
        """Spans covering ``offset``, innermost first (a split span only by its
        pieces: the text between them is not the span's)."""
        self.build()
        spans = self.spans
        found = [
            s
            for i in self._block_spans[self.blocks.block_of(offset)]
            if covers(s := spans[i], offset)
        ]
        found.sort(key=lambda s: (s.end - s.start, -s.start, -s.id))
        return found

    def add(self, span: SpanData) -> range:
        """Index a span (built index only); returns the blocks it touches."""
        self.spans[span.id] = span
        blocks = self.blocks.blocks_of(span.start, span.end)
        for block in blocks:
            self._block_spans[block].add(span.id)
        return blocks

    def remove(self, span_id: int) -> range:
        """Drop a span (built index only); returns the blocks it touched."""
        span = self.spans.pop(span_id)
        blocks = self.blocks.blocks_of(span.start, span.end)
        for block in blocks:
            self._block_spans[block].discard(span_id)
        return blocks


# --- the document -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextSelection:
    """Selected text; ``exact`` (Alt held) is never snapped, ``snapped`` already was."""

    start: int
    end: int
    exact: bool = False
    snapped: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """A link the analyst asked for, from one span to another."""

    source_id: int
    target_id: int


class DocumentModel:
    """One document as the article view shows and edits it; offsets are code points."""

    def __init__(self) -> None:
        self.schema = LabelSchema(labels=())
        self.layer = ""
        """The layer (annotator) whose spans are edited."""
        self.editable = True
        """False when showing another annotator's spans (read-only review)."""
        self.snap_to_words = True
        self.text = ""
        self.relations: dict[int, RelationData] = {}
        self.index = SpanIndex(BlockIndex(""))
        self.selected_span_id: int | None = None
        self.link_source: int | None = None
        """The span a link starts from while link mode is on."""
        self.selection: TextSelection | None = None
        self.piece_target_id: int | None = None
        """The span selected when the analyst went on to select text with the
        mouse (which unselects it): Add Piece adds that text to it."""
        self._last_click_offset: int | None = None
        self._clicked_span_id: int | None = None
        """The span the click at ``_last_click_offset`` selected."""

    # --- content -------------------------------------------------------------

    def set_content(
        self,
        text: str,
        spans: Iterable[SpanData] | SpanRows,
        relations: Iterable[RelationData] = (),
        blocks: BlockIndex | None = None,
    ) -> None:
        """A new text; ``blocks`` are the paragraphs the index groups spans by
        (the view's display blocks; by default, the text's lines)."""
        self.text = text
        self.set_spans(spans, relations, blocks if blocks is not None else BlockIndex(text))

    def set_spans(
        self,
        spans: Iterable[SpanData] | SpanRows,
        relations: Iterable[RelationData] = (),
        blocks: BlockIndex | None = None,
    ) -> None:
        """New spans and links for the same text (every span and link read
        after the first screen's); nothing stays selected."""
        self.index = SpanIndex(blocks if blocks is not None else self.index.blocks, spans)
        self.relations = {r.id: r for r in relations}
        self.selected_span_id = None
        self.link_source = None
        self.selection = None
        self.piece_target_id = None
        self._last_click_offset = None
        self._clicked_span_id = None

    @property
    def spans(self) -> MutableMapping[int, SpanData]:
        return self.index.spans

    @property
    def blocks(self) -> BlockIndex:
        return self.index.blocks

    def spans_at(self, offset: int | None) -> list[SpanData]:
        """Spans covering ``offset``, innermost first."""
        if offset is None or not self.text:
            return []
        return self.index.at(offset)

    def apply(self, changes: Changes, visible: set[str] | None = None) -> list[tuple[int, int]]:
        """Take in what a command changed; returns the ranges to restyle.

        ``visible`` limits which annotators' spans are kept (None: all).
        """
        index = self.index
        index.build()
        spans = index.spans
        touched: list[tuple[int, int]] = []
        for span_id in changes.removed_spans:
            if span_id in spans:
                old = spans[span_id]
                touched.append((old.start, old.end))
                index.remove(span_id)
        for span in (*changes.added_spans.values(), *changes.updated_spans.values()):
            if span.id in spans:
                old = spans[span.id]
                touched.append((old.start, old.end))
                index.remove(span.id)
            if visible is None or span.annotator in visible:
                index.add(span)
                touched.append((span.start, span.end))
        for relation_id in changes.removed_relations:
            self.relations.pop(relation_id, None)
        for relation in changes.added_relations.values():
            self.relations[relation.id] = relation
        if self.selected_span_id is not None and self.selected_span_id not in spans:
            self.selected_span_id = None
        return touched

    def linked_span_ids(self, span_id: int) -> list[int]:
        """The spans related to ``span_id`` (either end of a relation) that are shown."""
        spans = self.spans
        linked = []
        for rel in self.relations.values():
            if rel.source_id == span_id and rel.target_id in spans:
                linked.append(rel.target_id)
            elif rel.target_id == span_id and rel.source_id in spans:
                linked.append(rel.source_id)
        return linked

    # --- the selected span -----------------------------------------------------

    @property
    def selected_span(self) -> SpanData | None:
        if self.selected_span_id is None:
            return None
        return self.spans.get(self.selected_span_id)

    def select_span(self, span_id: int | None) -> bool:
        """Select a span (an id not shown selects none); True if that changed it."""
        if span_id is not None and span_id not in self.spans:
            span_id = None
        changed = span_id != self.selected_span_id
        self.selected_span_id = span_id
        self.piece_target_id = None
        if span_id != self._clicked_span_id:
            self._clicked_span_id = None  # selected otherwise than by the last click
        return changed

    @property
    def piece_target(self) -> SpanData | None:
        """The span Add Piece and Remove Piece work on: the selected span, or
        the one selected before the text now selected with the mouse."""
        span = self.selected_span
        if span is None and self.piece_target_id is not None:
            span = self.spans.get(self.piece_target_id)
        return span

    @property
    def last_click_offset(self) -> int | None:
        """Where the click that selected the selected span landed (None when
        it was selected otherwise, from the span list say)."""
        if self.selected_span_id is None or self.selected_span_id != self._clicked_span_id:
            return None
        return self._last_click_offset

    def span_to_select(self, offset: int | None, under: list[SpanData]) -> int | None:
        """The span a click at ``offset`` selects among those ``under`` it.

        Clicking again where spans are stacked walks outwards through them.
        """
        if not under:
            self._last_click_offset = None
            return None
        ids = [s.id for s in under]
        if self.selected_span_id in ids and self._last_click_offset is not None:
            chosen = ids[(ids.index(self.selected_span_id) + 1) % len(ids)]
        else:
            chosen = ids[0]
        self._last_click_offset = offset
        self._clicked_span_id = chosen
        return chosen

    def piece_under(self, span: SpanData) -> int | None:
        """The index of the piece of ``span`` the selected text touches, else of
        the one the click that selected it landed in (None: neither)."""
        pieces = pieces_of(span.start, span.end, span.fragments)
        if self.selection is not None:
            return piece_at(pieces, self.selection.start, self.selection.end)
        offset = self.last_click_offset
        return None if offset is None else piece_at(pieces, offset)

    # --- selected text and snapping -----------------------------------------------

    def set_selection(
        self, start: int, end: int, *, exact: bool = False, snapped: bool = False
    ) -> None:
        """Select text (an empty range selects nothing)."""
        start, end = min(start, end), max(start, end)
        self.selection = TextSelection(start, end, exact, snapped) if start < end else None

    def clear_selection(self) -> None:
        self.selection = None

    def snap(self, start: int, end: int, exact: bool = False) -> tuple[int, int]:
        """A range in order, grown to whole words unless ``exact`` or snapping is off."""
        start, end = min(start, end), max(start, end)
        if self.snap_to_words and not exact:
            return snap_to_words(self.text, start, end)
        return start, end

    def tag_range(self) -> tuple[int, int] | None:
        """What tagging the selected text covers: snapped once (None: nothing to tag)."""
        chosen = self.selection
        if chosen is None:
            return None
        if chosen.snapped:
            start, end = chosen.start, chosen.end
        else:
            start, end = self.snap(chosen.start, chosen.end, chosen.exact)
        return (start, end) if start < end else None

    def drag_range(
        self, anchor: int, here: int, *, exact: bool, edge: str | None = None
    ) -> tuple[int, int]:
        """The range a drag from ``anchor`` to ``here`` covers, snapped.

        With ``edge`` ("start" or "end") the drag moves that edge of the
        selected span instead, keeping at least one character.
        """
        span = self.selected_span
        if edge is None or span is None:
            return self.snap(anchor, here, exact)
        snapping = self.snap_to_words and not exact
        if edge == "start":
            start, end = min(here, span.end - 1), span.end
            if snapping:
                start = snap_to_words(self.text, start, end)[0]
        else:
            start, end = span.start, max(here, span.start + 1)
            if snapping:
                end = snap_to_words(self.text, start, end)[1]
        return start, end

    def word_at(self, offset: int) -> tuple[int, int]:
        return word_at(self.text, offset)

    def nudged(self, span: SpanData, edge: str, direction: int) -> tuple[int, int] | None:
        """A span's range with one edge moved a word left (-1) or right (+1);
        None when that leaves it empty or unchanged."""
        start, end = span.start, span.end
        if edge == "start":
            start = step_word_edge(self.text, start, edge, direction)
        else:
            end = step_word_edge(self.text, end, edge, direction)
        if start < end and (start, end) != (span.start, span.end):
            return start, end
        return None

    # --- permissions -----------------------------------------------------------

    def edit_refusal(self, span: SpanData | None = None) -> str | None:
        """Why the analyst may not edit this layer (or ``span``); None: they may."""
        if not self.editable:
            return "Read-only: these are another annotator's spans"
        if span is not None and span.annotator != self.layer:
            return f"This span belongs to {span.annotator}; it is read-only"
        return None

    def can_edit(self, span: SpanData | None = None) -> bool:
        return self.edit_refusal(span) is None

    def relabel_retypes(self, span: SpanData, label: str) -> dict[int, str] | str:
        """What becomes of ``span``'s links if it is made a ``label``: the links
        whose type would no longer allow their two labels, each with the one
        type the schema has between the new labels (a quote's speaker becomes
        a claim's claimant), by relation id; or why the relabel is refused (no
        such type, or several to choose from)."""
        retypes: dict[int, str] = {}
        for relation in self.relations.values():
            if span.id not in (relation.source_id, relation.target_id):
                continue
            kind = self.schema.relation(relation.type)
            source = self.spans.get(relation.source_id)
            target = self.spans.get(relation.target_id)
            if kind is None or source is None or target is None:
                continue  # a link the schema does not name is not this edit's to judge
            source_label = label if source.id == span.id else source.label
            target_label = label if target.id == span.id else target.label
            if kind.allows(source_label, target_label):
                continue
            fitting = self.schema.relations_between(source_label, target_label)
            if len(fitting) != 1:
                why = "by no link" if not fitting else "by more than one kind of link"
                return (
                    f"Cannot relabel as {label}: its {relation.type} link would join a "
                    f"{source_label} to a {target_label}, {why}. Remove the link first"
                )
            retypes[relation.id] = fitting[0].name
        return retypes

    # --- link mode -------------------------------------------------------------

    def start_link(self) -> str | None:
        """Link mode from the selected span; returns why not (None: started)."""
        span = self.selected_span
        if span is None:
            return "Select a quote or claim first, then press L"
        refusal = self.edit_refusal(span)
        if refusal is not None:
            return refusal
        if not any(span.label in r.sources for r in self.schema.relations):
            return f"A {span.label} cannot be linked to anything"
        self.link_source = span.id
        return None

    def cancel_link(self) -> None:
        self.link_source = None

    def finish_link(self, under: list[SpanData]) -> Link | None:
        """End link mode on a click over ``under``: the link asked for (None: no
        span there other than the source)."""
        source = self.spans.get(self.link_source) if self.link_source is not None else None
        self.link_source = None
        if source is None:
            return None
        target = next((s for s in under if s.id != source.id), None)
        return Link(source.id, target.id) if target is not None else None
