"""Compare two layers of one document: what both marked, and where they differ.

Pure Python. :func:`compare_layers` pairs the spans of layer A with those of
layer B, one to one, in three rounds, and leaves the rest unpaired:

1. ``same``: equal start, end and label (each span pairs at most once, so a
   span that A has twice pairs with B's copy only as often as B has it);
2. ``label_differs``: equal start and end, another label;
3. ``overlap``: extents that share at least one character but are not equal,
   same or other label. Greedy, like ``overlap_f1`` in
   :mod:`annotator.core.agreement`: largest overlap first, then the pair with
   the fewest characters outside the overlap, then the earlier A span, then
   the earlier B span;
4. what is left is ``only_a`` or ``only_b`` (also a span that overlaps one
   already paired in round 3: every span belongs to exactly one item).

Items come in a stable order by position: start, then end, then kind (in the
order of :class:`Kind`), then the spans' ids, so the list never depends on the
order in which the spans were read.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from annotator.core.model import SpanData
from annotator.core.pieces import covers


class Kind(StrEnum):
    SAME = "same"
    ONLY_A = "only_a"
    ONLY_B = "only_b"
    LABEL_DIFFERS = "label_differs"
    OVERLAP = "overlap"


KIND_ORDER = {kind: n for n, kind in enumerate(Kind)}

DISAGREEMENTS = frozenset(Kind) - {Kind.SAME}
"""Every kind but ``same``: the items a reviewer has to decide."""

KIND_TITLES = {
    Kind.SAME: "both the same",
    Kind.ONLY_A: "only in A",
    Kind.ONLY_B: "only in B",
    Kind.LABEL_DIFFERS: "same extent, other label",
    Kind.OVERLAP: "overlapping extents",
}
"""How the window and docs/review.md name each kind."""


@dataclass(frozen=True, slots=True)
class CompareItem:
    """One span of A, one of B, or a pair of them."""

    kind: Kind
    a: SpanData | None
    b: SpanData | None
    start: int = field(init=False)
    """Where the first of its spans starts."""
    end: int = field(init=False)
    """Where the last of its spans ends."""

    def __post_init__(self) -> None:
        spans = self.spans
        if not spans:
            raise ValueError("an item needs a span of A or of B")
        object.__setattr__(self, "start", min(s.start for s in spans))
        object.__setattr__(self, "end", max(s.end for s in spans))

    @property
    def spans(self) -> tuple[SpanData, ...]:
        return tuple(s for s in (self.a, self.b) if s is not None)

    @property
    def is_disagreement(self) -> bool:
        return self.kind is not Kind.SAME

    @property
    def key(self) -> tuple[int | None, int | None]:
        """Identity of the item while the two layers stay as they are: the span ids."""
        return (
            self.a.id if self.a is not None else None,
            self.b.id if self.b is not None else None,
        )

    def sort_key(self) -> tuple[int, int, int, int, int]:
        return (
            self.start,
            self.end,
            KIND_ORDER[self.kind],
            self.a.id if self.a is not None else -1,
            self.b.id if self.b is not None else -1,
        )


def _span_order(span: SpanData) -> tuple[int, int, str, int]:
    return (span.start, span.end, span.label, span.id)


def compare_layers(a_spans: Iterable[SpanData], b_spans: Iterable[SpanData]) -> list[CompareItem]:
    """Pair the spans of two layers of one document into items (see the module)."""
    a_left = sorted(a_spans, key=_span_order)
    b_left = sorted(b_spans, key=_span_order)
    items: list[CompareItem] = []

    # Rounds 1 and 2: equal extents, equal labels first.
    for same_label in (True, False):
        by_key: dict[tuple[int, int, str], list[SpanData]] = {}
        for span in b_left:
            key = (span.start, span.end, span.label if same_label else "")
            by_key.setdefault(key, []).append(span)
        used_b: set[int] = set()
        still_a: list[SpanData] = []
        for span in a_left:
            partners = by_key.get((span.start, span.end, span.label if same_label else ""))
            if partners:
                partner = partners.pop(0)
                used_b.add(partner.id)
                kind = Kind.SAME if same_label else Kind.LABEL_DIFFERS
                items.append(CompareItem(kind, span, partner))
            else:
                still_a.append(span)
        a_left = still_a
        b_left = [s for s in b_left if s.id not in used_b]

    # Round 3: overlapping extents, greedy as overlap_f1.
    # b_left is sorted by start: only B spans starting in (a.start - longest B, a.end)
    # can overlap an A span, found by binary search (no all-pairs loop).
    candidates: list[tuple[int, int, int, int, SpanData, SpanData]] = []
    b_starts = [s.start for s in b_left]
    longest = max((s.end - s.start for s in b_left), default=0)
    for i, sa in enumerate(a_left):
        first = bisect_right(b_starts, sa.start - longest)
        last = bisect_left(b_starts, sa.end)
        for j in range(first, last):
            sb = b_left[j]
            shared = min(sa.end, sb.end) - max(sa.start, sb.start)
            if shared > 0:
                outside = (sa.end - sa.start) + (sb.end - sb.start) - 2 * shared
                candidates.append((-shared, outside, i, j, sa, sb))
    candidates.sort(key=lambda c: c[:4])
    paired_a: set[int] = set()
    paired_b: set[int] = set()
    for _, _, i, j, sa, sb in candidates:
        if i in paired_a or j in paired_b:
            continue
        paired_a.add(i)
        paired_b.add(j)
        items.append(CompareItem(Kind.OVERLAP, sa, sb))

    items.extend(
        CompareItem(Kind.ONLY_A, s, None) for i, s in enumerate(a_left) if i not in paired_a
    )
    items.extend(
        CompareItem(Kind.ONLY_B, None, s) for j, s in enumerate(b_left) if j not in paired_b
    )
    items.sort(key=CompareItem.sort_key)
    return items


def count_kinds(items: Iterable[CompareItem]) -> dict[Kind, int]:
    """How many items of each kind (every kind present, zero or not)."""
    counts = dict.fromkeys(Kind, 0)
    for item in items:
        counts[item.kind] += 1
    return counts


def disagreement_indices(items: Sequence[CompareItem]) -> list[int]:
    """Positions in ``items`` of the disagreements, in order."""
    return [i for i, item in enumerate(items) if item.is_disagreement]


def next_index(
    items: Sequence[CompareItem],
    current: int | None,
    *,
    kinds: Iterable[Kind] = DISAGREEMENTS,
    wrap: bool = False,
) -> int | None:
    """The position of the first item after ``current`` whose kind is in ``kinds``.

    ``current`` None starts before the first item. None when there is none
    (with ``wrap``, the search goes round to the start first).
    """
    wanted = set(kinds)
    begin = -1 if current is None else current
    for i in range(begin + 1, len(items)):
        if items[i].kind in wanted:
            return i
    if wrap:
        for i in range(0, min(begin + 1, len(items))):
            if items[i].kind in wanted:
                return i
    return None


def previous_index(
    items: Sequence[CompareItem],
    current: int | None,
    *,
    kinds: Iterable[Kind] = DISAGREEMENTS,
    wrap: bool = False,
) -> int | None:
    """The position of the last item before ``current`` whose kind is in ``kinds``.

    ``current`` None starts after the last item.
    """
    wanted = set(kinds)
    begin = len(items) if current is None else current
    for i in range(min(begin, len(items)) - 1, -1, -1):
        if items[i].kind in wanted:
            return i
    if wrap:
        for i in range(len(items) - 1, max(begin, -1), -1):
            if items[i].kind in wanted:
                return i
    return None


def index_at(items: Sequence[CompareItem], offset: int) -> int | None:
    """The innermost (shortest) item covering the character at ``offset``: a
    split span covers its pieces, not the words between them."""
    best: int | None = None
    for i, item in enumerate(items):
        if (
            item.start <= offset < item.end
            and any(covers(span, offset) for span in item.spans)
            and (best is None or item.end - item.start < items[best].end - items[best].start)
        ):
            best = i
    return best


def nearest_index(items: Sequence[CompareItem], offset: int) -> int | None:
    """The first item that starts at or after ``offset``, else the last one."""
    for i, item in enumerate(items):
        if item.start >= offset:
            return i
    return len(items) - 1 if items else None
