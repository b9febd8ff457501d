"""The agreement's counting, in NumPy arrays (issue 14).

:mod:`annotator.core.agreement` defines the figures; this module counts what
they are made of, for a whole corpus at once, without a Python loop over
tokens or spans:

- the tokens (``\\w+|[^\\w\\s]``): every character's class (word, space,
  other) from one table, the token starts where a class begins;
- each annotator's overall category of each token (the label of the shortest
  span over it, ties as :mod:`annotator.core.agreement` says): every span's
  token range by binary search, spread over its tokens, the winner per token
  by ``maximum.at`` over the spans' precedence;
- per label, the tokens an annotator has that label over, and the tokens two
  annotators both have it over: the union of the annotator's token ranges of
  that label, and the length of two unions' intersection, without a
  token-by-label table;
- exact matches (equal start, end and label, with multiplicity) from each
  distinct span's count per annotator, and the overlap matching of what is
  left, greedy, its candidates found by binary search and only the candidates
  that compete for a span resolved one by one.

Everything counted is an integer, so documents are counted in batches (at most
:data:`BATCH_CHARACTERS` characters, one document at least) and the batches
add up; the figures' divisions stay in :mod:`annotator.core.agreement`, in
Python integers, so they are exactly those of the definitions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations, repeat
from operator import itemgetter

import numpy as np
from numpy.typing import NDArray

from annotator.core.forked import cores
from annotator.core.span_layer import SpanLayer

Ints = NDArray[np.int64]

BATCH_CHARACTERS = 1_000_000
"""Characters counted at once (one document at least): bounds the arrays
(about 30 bytes a character) and keeps them in the processor's caches;
batches count on several threads, the first while the next are read (a
reader reads as much at once: ``annotator.store.agreement_sqlite``)."""

SPREAD_ENTRIES = 4_000_000
"""Span-token entries spread at once when painting categories (bounds memory
for spans over very long stretches of text)."""

_SPACE, _WORD, _OTHER = 0, 1, 2
_LABEL = itemgetter(2)


def warm_up() -> None:
    """Build what the first count would (the character class table)."""
    _basic_plane_classes()


@cache
def _basic_plane_classes() -> NDArray[np.uint8]:
    """Every code point below U+10000: space, word or other, as ``re`` has them."""
    chars = "".join(map(chr, range(0x10000)))
    classes = np.full(0x10000, _OTHER, np.uint8)
    for match in re.finditer(r"\s+", chars):
        classes[match.start() : match.end()] = _SPACE
    for match in re.finditer(r"\w+", chars):
        classes[match.start() : match.end()] = _WORD
    return classes


def _class_of(char: str) -> int:
    if re.match(r"\w", char):
        return _WORD
    return _SPACE if char.isspace() else _OTHER


def character_classes(text: str) -> NDArray[np.uint8]:
    """Each code point of ``text``: 0 whitespace (``\\s``), 1 word (``\\w``), 2 other."""
    table = _basic_plane_classes()
    try:  # most news text is Latin-1 (one byte a character, as Python holds it)
        return table[np.frombuffer(text.encode("latin-1"), np.uint8)]
    except UnicodeEncodeError:
        pass
    # Two bytes a character unless a surrogate shows (a character past
    # U+FFFF, or one alone): then four.
    halves = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), np.uint16)
    if not bool(((halves >= 0xD800) & (halves < 0xE000)).any()):
        return table[halves]
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    classes = table[np.minimum(codes, 0xFFFF)]
    high = np.flatnonzero(codes >= 0x10000)
    distinct, which = np.unique(codes[high], return_inverse=True)
    classed = np.array([_class_of(chr(code)) for code in distinct.tolist()], dtype=np.uint8)
    classes[high] = classed[which]
    return classes


def tokens_before(classes: NDArray[np.uint8]) -> NDArray[np.int32]:
    """Per position 0 to len(text): how many tokens start before it. A token
    starts at every "other" character, and at every word character after a
    character that is not one."""
    word = classes == _WORD
    starts = classes == _OTHER
    if word.size:
        starts[0] |= word[0]
        starts[1:] |= word[1:] & ~word[:-1]
    before = np.zeros(classes.size + 1, dtype=np.int32)
    np.cumsum(starts, out=before[1:])
    return before


@dataclass(slots=True)
class DocumentCounts:
    """One document's counts (its figures' integers)."""

    tokens: int
    agree: list[int]
    """Per pair: tokens the two put in the same overall category."""
    chance: list[int]
    """Per pair: sum over categories of the two annotators' token counts' product."""
    disagreement: int
    """Sum over tokens of m² - the sum of the squared counts of each category."""
    category_square_sum: int
    """Sum over categories of (tokens x annotators in it) squared."""
    spans: list[int]
    """Per annotator: spans compared."""
    exact: list[int]
    """Per pair: exact matches."""
    overlap: list[int]
    """Per pair: matches by overlap, the exact ones included."""


@dataclass(slots=True)
class CorpusCounts:
    """What the figures of a corpus are made of (integers; label i is index i,
    1-based in report order, index 0 unused but for categories, where it is O)."""

    annotators: int
    labels: int
    tokens: int = 0
    agree: list[int] = field(init=False)
    categories: list[list[int]] = field(init=False)
    """Per annotator: tokens per overall category."""
    labelled: list[list[int]] = field(init=False)
    """Per annotator: tokens with a span of the label over them."""
    both_labelled: list[list[int]] = field(init=False)
    """Per pair: tokens that both have a span of the label over."""
    spans: list[list[int]] = field(init=False)
    """Per annotator: spans per label."""
    exact: list[list[int]] = field(init=False)
    """Per pair: exact matches per label."""
    overlap: list[list[int]] = field(init=False)
    """Per pair: matches by overlap per label, the exact ones included."""
    documents: list[DocumentCounts] = field(default_factory=list)

    def __post_init__(self) -> None:
        m, width = self.annotators, self.labels + 1
        pairs = m * (m - 1) // 2
        self.agree = [0] * pairs
        self.categories = [[0] * width for _ in range(m)]
        self.labelled = [[0] * width for _ in range(m)]
        self.both_labelled = [[0] * width for _ in range(pairs)]
        self.spans = [[0] * width for _ in range(m)]
        self.exact = [[0] * width for _ in range(pairs)]
        self.overlap = [[0] * width for _ in range(pairs)]

    def add(self, other: CorpusCounts, positions: Sequence[int] | None = None) -> None:
        """Add the counts of the documents after these; ``positions``: where
        each of ``other``'s label indexes is in these (None: the same; the
        overall category O, index 0, stays 0)."""
        moved = range(self.labels + 1) if positions is None else positions
        self.tokens += other.tokens
        self.agree = [a + b for a, b in zip(self.agree, other.agree, strict=True)]
        for mine, theirs in zip(self._by_label(), other._by_label(), strict=True):
            for into, row in zip(mine, theirs, strict=True):
                for index, value in enumerate(row):
                    into[moved[index]] += value
        self.documents.extend(other.documents)

    def _by_label(self) -> tuple[list[list[int]], ...]:
        """The counts indexed by label, each a row per annotator or pair."""
        return (
            self.categories,
            self.labelled,
            self.both_labelled,
            self.spans,
            self.exact,
            self.overlap,
        )


@dataclass(frozen=True, slots=True)
class SpanColumns:
    """Spans of a corpus as columns, in document order (then annotator order)."""

    document: Ints
    annotator: Ints
    start: Ints
    end: Ints
    label: Ints
    """1-based label index (report order)."""


Layers = Sequence[Sequence[Sequence[tuple[int, int, str]]]]
"""``layers[document][annotator]``: each compared annotator's spans on each document."""


def labels_used(layers: Layers) -> list[str]:
    """Every label of ``layers``, sorted."""
    used: set[str] = set()
    for row in layers:
        for spans in row:
            used.update(spans.labels if isinstance(spans, SpanLayer) else map(_LABEL, spans))
    return sorted(used)


def span_columns(layers: Layers, labels: Sequence[str]) -> SpanColumns:
    """``layers`` as columns, document by document, the labels as their
    1-based index in ``labels``; spans with other labels are left out."""
    sizes: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    names: list[str] = []
    for row in layers:
        for spans in row:
            sizes.append(len(spans))
            if isinstance(spans, SpanLayer):
                starts.extend(spans.starts)
                ends.extend(spans.ends)
                names.extend(spans.labels)
            elif spans:
                s, e, n = zip(*spans, strict=True)
                starts.extend(s)
                ends.extend(e)
                names.extend(n)
    index = {name: i + 1 for i, name in enumerate(labels)}
    label = np.array(list(map(index.get, names, repeat(0))), dtype=np.int64)
    m = len(layers[0]) if layers else 1
    layer_ids = np.arange(len(sizes), dtype=np.int64)
    size_array = np.array(sizes, dtype=np.int64)
    columns = SpanColumns(
        np.repeat(layer_ids // m, size_array),
        np.repeat(layer_ids % m, size_array),
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        label,
    )
    kept = label > 0
    if not bool(kept.all()):
        columns = SpanColumns(*(column[kept] for column in _fields(columns)))
    return columns


def _fields(columns: SpanColumns) -> tuple[Ints, Ints, Ints, Ints, Ints]:
    return columns.document, columns.annotator, columns.start, columns.end, columns.label


Batch = tuple[Sequence[str], Layers, Sequence[int]]
"""Documents counted together: their texts, layers and ids (for refusals)."""


def count_batches(
    batches: Iterable[Batch],
    *,
    annotators: int,
    labels: Sequence[str] | None,
    with_documents: bool,
) -> tuple[CorpusCounts, list[str]]:
    """Count batches of documents as they come, on as many threads as there
    are cores (NumPy leaves the GIL for its loops, so one batch is counted
    while the next is read or made into columns), added up in document order;
    and the labels counted. ``labels`` None: every label the batches use,
    sorted (each batch is counted with its own and the counts are merged)."""

    def count(texts: Sequence[str], layers: Layers, ids: Sequence[int]) -> Counted:
        own = labels if labels is not None else labels_used(layers)
        found = CorpusCounts(annotators, len(own))
        columns = span_columns(layers, own)
        _check_extents(texts, columns, ids)
        _count_batch(texts, columns, _precedence_by_label(own), found, with_documents)
        return found, own

    # Submitted as they are read: a batch is counted while the next is made.
    with ThreadPoolExecutor(cores(), thread_name_prefix="agreement") as pool:
        futures = [pool.submit(count, *batch) for batch in batches]
        parts = [future.result() for future in futures]
    return merge_counts(parts, annotators=annotators, labels=labels)


Counted = tuple[CorpusCounts, Sequence[str]]
"""Counts of some documents and the labels they are counted by (label i at index i)."""


def merge_counts(
    parts: Iterable[Counted], *, annotators: int, labels: Sequence[str] | None
) -> tuple[CorpusCounts, list[str]]:
    """The counts of consecutive parts of a corpus added up in order, and the
    labels counted. ``labels`` given: every part was counted by them; None:
    each by its own, merged by name into every label, sorted."""
    parts = list(parts)
    counted = list(labels) if labels is not None else sorted({n for _, own in parts for n in own})
    total = CorpusCounts(annotators, len(counted))
    position = {name: i + 1 for i, name in enumerate(counted)}
    for counts, own in parts:
        total.add(counts, None if labels is not None else [0, *(position[n] for n in own)])
    return total, counted


class SpanOutsideText(ValueError):
    """A span whose extent is not within its document's text."""


def _check_extents(texts: Sequence[str], spans: SpanColumns, ids: Sequence[int]) -> None:
    """Refuse a span that does not lie within its text (0 <= start <= end <=
    length): counted, it would fall on the next document's tokens."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    outside = (spans.start < 0) | (spans.end < spans.start) | (spans.end > lengths[spans.document])
    if bool(outside.any()):
        at = int(np.flatnonzero(outside)[0])
        document = int(spans.document[at])
        raise SpanOutsideText(
            f"document {ids[document]}: a span at "
            f"{int(spans.start[at])}-{int(spans.end[at])} lies outside its text "
            f"of {len(texts[document])} characters"
        )


@dataclass(frozen=True, slots=True)
class _Placed:
    """A batch's tokens and where its spans fall on them."""

    tokens: int
    first_token: Ints
    """Per document: its first token's index (its tokens are consecutive)."""
    document_tokens: Ints
    start: Ints
    """Per span: its start in the joined text."""
    end: Ints
    i0: Ints
    """Per span: the first token it shares a character with ..."""
    i1: Ints
    """... and the first token after those (i1 <= i0: it covers no token)."""


def _place(texts: Sequence[str], spans: SpanColumns) -> _Placed:
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    # The texts joined by a space: no token crosses it, so the tokens are each text's.
    offsets = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=offsets[1:])
    classes = character_classes(" ".join(texts))
    before = tokens_before(classes)
    tokens = int(before[-1])
    first_token = before[offsets].astype(np.int64)
    # A span's first token is the one it starts in, or the first after it when
    # it starts on whitespace; its last, the one before the first starting
    # at or after its end.
    start = offsets[spans.document] + spans.start
    end = offsets[spans.document] + spans.end
    inside = np.minimum(start, max(classes.size - 1, 0))
    if classes.size:
        i0 = before[inside + 1] - (classes[inside] != _SPACE)
    else:
        i0 = np.zeros(start.size, dtype=np.int32)
    return _Placed(
        tokens,
        first_token,
        np.diff(np.append(first_token, tokens)),
        start,
        end,
        i0.astype(np.int64),
        before[end].astype(np.int64),
    )


def _precedence_by_label(labels: Sequence[str]) -> Ints:
    """Per label index: its rank alphabetically (ties of extent go to the first)."""
    alphabetical = np.zeros(len(labels) + 1, dtype=np.int64)
    for rank, name in enumerate(sorted(labels)):
        alphabetical[labels.index(name) + 1] = rank
    return alphabetical


def overall_categories(text: str, spans: SpanColumns, labels: Sequence[str]) -> list[int]:
    """One annotator's overall category of each token of ``text`` (0 for O,
    else the 1-based index of the label in ``labels``); ``spans`` all annotator 0's."""
    _check_extents([text], spans, [0])
    placed = _place([text], spans)
    found: list[int] = _categories(spans, placed, _precedence_by_label(labels), 1)[0].tolist()
    return found


def _count_batch(
    texts: Sequence[str],
    spans: SpanColumns,
    alphabetical: Ints,
    counts: CorpusCounts,
    with_documents: bool,
) -> None:
    m, width = counts.annotators, counts.labels + 1
    pairs = list(combinations(range(m), 2))
    placed = _place(texts, spans)
    counts.tokens += placed.tokens
    category = _categories(spans, placed, alphabetical, m)
    # By label, then start, then end: what both the labels' unions and the
    # matches walk.
    by_label = _sort_order(spans.label, placed.start, placed.end)
    _count_labels(spans, placed, by_label, counts, pairs)
    exact_by_document, overlap_by_document = _count_matches(
        spans, placed, by_label, counts, pairs, len(texts), with_documents
    )
    for k in range(m):
        mine = spans.annotator == k
        counts.spans[k] = _add(counts.spans[k], np.bincount(spans.label[mine], minlength=width))
    if with_documents:  # the corpus' token counts are the documents' added up
        _count_documents(
            category, placed, spans, pairs, exact_by_document, overlap_by_document, counts
        )
    else:
        _count_tokens(category, counts, pairs, width)


def _add(total: list[int], more: Ints) -> list[int]:
    return [a + b for a, b in zip(total, more.tolist(), strict=True)]


def _categories(spans: SpanColumns, placed: _Placed, alphabetical: Ints, m: int) -> Ints:
    """Each annotator's overall category of each token, shape (m, tokens)."""
    tokens, i0, i1 = placed.tokens, placed.i0, placed.i1
    # Ascending precedence: the longest first, then the earlier, then the
    # alphabetically last label; a token takes its highest-ranked span's label.
    order = _sort_order(
        spans.start - spans.end, placed.start, len(alphabetical) - 1 - alphabetical[spans.label]
    )
    precedence = np.empty_like(order)
    precedence[order] = np.arange(order.size)
    # Indexed by precedence + 1: a token no span covers has -1, category O.
    label_by_precedence = np.concatenate(([0], spans.label[order]))
    best = np.full(m * tokens, -1, dtype=np.int64)
    which = np.flatnonzero(i1 > i0)
    sizes = (i1 - i0)[which]
    ends = np.cumsum(sizes)
    done = 0
    while done < which.size:
        # As many spans as spread to SPREAD_ENTRIES entries (one span at least).
        stop = max(
            int(np.searchsorted(ends, ends[done] - sizes[done] + SPREAD_ENTRIES, "right")), done + 1
        )
        part = which[done:stop]
        n = sizes[done:stop]
        before = np.cumsum(n) - n
        base = spans.annotator[part] * tokens + i0[part] - before
        entries = int(n.sum())
        slots = np.repeat(base, n) + np.arange(entries, dtype=np.int64)
        np.maximum.at(best, slots, np.repeat(precedence[part], n))
        done = stop
    best += 1
    return label_by_precedence[best].reshape(m, tokens)


def _sort_order(*keys: Ints) -> Ints:
    """Indices that sort by ``keys``, the first the most significant (in no
    particular order among equal keys): one
    integer key when their ranges fit in 63 bits together (several times
    faster than ``lexsort``)."""
    lows = [int(key.min()) if key.size else 0 for key in keys]
    spans = [
        int(key.max()) - low + 1 if key.size else 1 for key, low in zip(keys, lows, strict=True)
    ]
    total = 1
    for size in spans:
        total *= size
    if total >= 1 << 63:
        return np.lexsort(keys[::-1])
    combined = np.zeros(keys[0].size, dtype=np.int64)
    for key, low, size in zip(keys, lows, spans, strict=True):
        combined *= size
        combined += key - low
    return np.argsort(combined)


def _count_tokens(
    category: Ints, counts: CorpusCounts, pairs: Sequence[tuple[int, int]], width: int
) -> None:
    for k in range(counts.annotators):
        counts.categories[k] = _add(counts.categories[k], np.bincount(category[k], minlength=width))
    for p, (i, j) in enumerate(pairs):
        counts.agree[p] += int(np.count_nonzero(category[i] == category[j]))


def _count_labels(
    spans: SpanColumns,
    placed: _Placed,
    by_label: Ints,
    counts: CorpusCounts,
    pairs: Sequence[tuple[int, int]],
) -> None:
    """Tokens per label per annotator, and per label per pair both, from the
    union of each annotator's token ranges of each label."""
    width = counts.labels + 1
    i0, i1 = placed.i0[by_label], placed.i1[by_label]
    label, annotator = spans.label[by_label], spans.annotator[by_label]
    painted = i1 > i0
    stride = placed.tokens + 1  # a label's ranges live in [label x stride, label x stride + tokens]
    unions: list[tuple[Ints, Ints, Ints]] = []
    for k in range(counts.annotators):
        mine = painted & (annotator == k)
        base = label[mine] * stride
        low, high = _union(base + i0[mine], base + i1[mine])
        size = high - low
        counts.labelled[k] = _add(
            counts.labelled[k],
            np.bincount(low // stride, weights=size, minlength=width).astype(np.int64),
        )
        before = np.zeros(size.size + 1, dtype=np.int64)
        np.cumsum(size, out=before[1:])
        unions.append((low, high, before))
    for p, (i, j) in enumerate(pairs):
        low, high, _ = unions[i]
        shared = _covered(high, unions[j]) - _covered(low, unions[j])
        counts.both_labelled[p] = _add(
            counts.both_labelled[p],
            np.bincount(low // stride, weights=shared, minlength=width).astype(np.int64),
        )


def _union(low: Ints, high: Ints) -> tuple[Ints, Ints]:
    """The union of ranges [low, high), sorted by ``low``, as sorted disjoint ranges."""
    if not low.size:
        return low, high
    reach = np.maximum.accumulate(high)
    new = np.ones(low.size, dtype=bool)
    new[1:] = low[1:] > reach[:-1]
    firsts = np.flatnonzero(new)
    lasts = np.append(firsts[1:] - 1, low.size - 1)
    return low[firsts], reach[lasts]


def _covered(points: Ints, union: tuple[Ints, Ints, Ints]) -> Ints:
    """How much of the union lies before each point."""
    low, high, before = union
    if not low.size:
        return np.zeros(points.size, dtype=np.int64)
    index = np.searchsorted(low, points, "right") - 1
    clamped = np.maximum(index, 0)
    partial = np.minimum(points, high[clamped]) - low[clamped]
    return np.where(index >= 0, before[clamped] + np.maximum(partial, 0), 0)


def _count_matches(
    spans: SpanColumns,
    placed: _Placed,
    order: Ints,
    counts: CorpusCounts,
    pairs: Sequence[tuple[int, int]],
    documents: int,
    with_documents: bool,
) -> tuple[list[Ints], list[Ints]]:
    """Exact and overlap matches per pair, by label (and by document)."""
    m, width = counts.annotators, counts.labels + 1
    exact_by_document: list[Ints] = []
    overlap_by_document: list[Ints] = []
    if not spans.label.size:
        empty = np.zeros(documents, dtype=np.int64)
        return [empty] * len(pairs), [empty] * len(pairs)
    # Each distinct span (document, extent, label) once, in the order label,
    # start, end: "the earlier span" within a label.
    label, low, high = spans.label[order], placed.start[order], placed.end[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (label[1:] != label[:-1]) | (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    distinct = np.cumsum(new) - 1
    label, low, high = label[new], low[new], high[new]
    document = spans.document[order][new]
    held = np.bincount(
        distinct * m + spans.annotator[order], minlength=int(distinct[-1] + 1) * m
    ).reshape(-1, m)
    scale = int(high.max()) + 1 if high.size else 1
    for p, (i, j) in enumerate(pairs):
        both = np.minimum(held[:, i], held[:, j])
        matched = _greedy_overlap(label, low, high, held[:, i] - both, held[:, j] - both, scale)
        by_label = np.bincount(label, weights=both, minlength=width).astype(np.int64)
        counts.exact[p] = _add(counts.exact[p], by_label)
        counts.overlap[p] = _add(
            counts.overlap[p], by_label + np.bincount(label[matched], minlength=width)
        )
        if with_documents:
            exact = np.bincount(document, weights=both, minlength=documents).astype(np.int64)
            exact_by_document.append(exact)
            overlap_by_document.append(exact + np.bincount(document[matched], minlength=documents))
    return exact_by_document, overlap_by_document


def _greedy_overlap(
    label: Ints, low: Ints, high: Ints, left_a: Ints, left_b: Ints, scale: int
) -> Ints:
    """The distinct spans (with multiplicity) of A that the greedy overlap
    matching pairs with one of B's, given how many of each distinct span
    each has left after the exact matches. Candidates: same label, at least a
    character shared; taken by the largest overlap, then the fewest
    characters outside it, then the earlier A span, then the earlier B span."""
    a = np.repeat(np.arange(label.size), left_a)
    b = np.repeat(np.arange(label.size), left_b)
    if not a.size or not b.size:
        return np.zeros(0, dtype=np.int64)
    # B's spans sorted by (label, start): those starting before A ends and
    # not so early that they end before A starts (none is longer than ``longest``).
    key_b = label[b] * scale + low[b]
    longest = int((high[b] - low[b]).max())
    first = np.searchsorted(key_b, label[a] * scale + low[a] - longest, "right")
    last = np.searchsorted(key_b, label[a] * scale + high[a], "left")
    n = np.maximum(last - first, 0)
    ia = np.repeat(np.arange(a.size), n)
    ib = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n - first, n)
    sa, sb = a[ia], b[ib]
    keep = (label[sb] == label[sa]) & (high[sb] > low[sa])
    ia, ib, sa, sb = ia[keep], ib[keep], sa[keep], sb[keep]
    if not ia.size:
        return np.zeros(0, dtype=np.int64)
    shared = np.minimum(high[sa], high[sb]) - np.maximum(low[sa], low[sb])
    outside = (high[sa] - low[sa]) + (high[sb] - low[sb]) - 2 * shared
    order = np.lexsort((ib, ia, outside, -shared))
    ia, ib = ia[order], ib[order]
    # A candidate whose A and B spans are in no other candidate is always taken.
    alone = (np.bincount(ia)[ia] == 1) & (np.bincount(ib)[ib] == 1)
    taken = ia[alone].tolist()
    used_a: set[int] = set()
    used_b: set[int] = set()
    for x, y in zip(ia[~alone].tolist(), ib[~alone].tolist(), strict=True):
        if x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        taken.append(x)
    return a[np.array(taken, dtype=np.int64)]


def _count_documents(
    category: Ints,
    placed: _Placed,
    spans: SpanColumns,
    pairs: Sequence[tuple[int, int]],
    exact: Sequence[Ints],
    overlap: Sequence[Ints],
    counts: CorpusCounts,
) -> None:
    m, width = counts.annotators, counts.labels + 1
    first_token, document_tokens = placed.first_token, placed.document_tokens
    documents = first_token.size
    tokens = category.shape[1]
    bounds = np.append(first_token, tokens)
    owner = np.repeat(np.arange(documents, dtype=np.int64), document_tokens)
    per_category = [
        np.bincount(owner * width + category[k], minlength=documents * width).reshape(
            documents, width
        )
        for k in range(m)
    ]
    agree = []
    chance = []
    for i, j in pairs:
        running = np.zeros(tokens + 1, dtype=np.int64)
        np.cumsum(category[i] == category[j], out=running[1:])
        agree.append(running[bounds[1:]] - running[bounds[:-1]])
        chance.append((per_category[i] * per_category[j]).sum(axis=1))
    for k, by_category in enumerate(per_category):
        counts.categories[k] = _add(counts.categories[k], by_category.sum(axis=0))
    for p, by_document in enumerate(agree):
        counts.agree[p] += int(by_document.sum())
    agreeing = sum(agree, np.zeros(documents, dtype=np.int64))
    disagreement = document_tokens * (m * m - m) - 2 * agreeing
    square_sum = (sum(per_category, np.zeros((documents, width), dtype=np.int64)) ** 2).sum(axis=1)
    held = np.bincount(spans.document * m + spans.annotator, minlength=documents * m).reshape(
        documents, m
    )
    columns = zip(
        document_tokens.tolist(),
        zip(*(a.tolist() for a in agree), strict=True) if pairs else [()] * documents,
        zip(*(c.tolist() for c in chance), strict=True) if pairs else [()] * documents,
        disagreement.tolist(),
        square_sum.tolist(),
        held.tolist(),
        zip(*(e.tolist() for e in exact), strict=True) if pairs else [()] * documents,
        zip(*(o.tolist() for o in overlap), strict=True) if pairs else [()] * documents,
        strict=True,
    )
    counts.documents.extend(
        DocumentCounts(t, list(a), list(c), d, q, h, list(e), list(o))
        for t, a, c, d, q, h, e, o in columns
    )
