"""Inter-annotator agreement: span F1, Cohen's kappa and Krippendorff's alpha.

The definitions (issue 5, repeated in docs/review.md, "The metrics, exactly"):

- Tokens are the matches of ``\\w+|[^\\w\\s]`` (Python ``re``, Unicode) in the text.
- ``exact_f1`` for a pair: spans match when start, end and label are equal;
  F1 = 2 x matches / (spans of A + spans of B), summed over the documents
  (micro), overall and per label.
- ``overlap_f1``: as exact, but two spans of the same label match when they
  share at least one character, each span matching at most one other (greedy,
  largest overlap first).
- ``kappa``: Cohen's kappa over tokens. Overall, a token's category is the label
  of the shortest span of that annotator that overlaps it, or ``O``; per label,
  whether a span with that label overlaps it.
- ``alpha``: Krippendorff's alpha, nominal, over the same token categories, for
  all compared annotators at once (every annotator codes every token).

With the project's schema (issue 15): per declared document label, kappa per
pair and alpha for all over the documents where they set it; and attribution
agreement, the share of matched quotes and claims (overlap matching) whose
speakers or claimants are the same (:func:`who_said_what`).

A figure that is undefined (nothing to compare: no spans at all, or a single
category everywhere) is None, never 1.0 or 0.

Ties, which the definitions leave open, are settled so that results never
depend on input order:

- the "shortest span" over a token: the one with the fewest characters, then the
  one that starts later (the inner one), then the alphabetically first label;
- the greedy overlap matching takes the pair with the largest overlap, then the
  one with the fewest characters outside the overlap (so identical extents pair
  first), then the earlier A span, then the earlier B span.

Speed: pure Python, built for thousands of documents. A text is tokenised once.
A code holds an annotator's overall category of a token and the set of labels
over it; every compared annotator's code of a token sits in one int (annotator
k's in the bits from k x the code's width up). Each distinct span of a
document becomes a token range by binary search once, however many annotators
have it, and is painted into one list of those ints for all of them (slice
assignment, so the work per span does not grow with its length). One count of
the ints (done in C by ``Counter``) is the count of the per-token code tuples,
which gives every kappa and alpha, overall and per label (bit masks pick a
label's or the categories' bits). The spans grouped by who has them also give
the exact matches of every pair (the groups both have) and what is left for
the overlap matching. The counts are integers, so the documents can be counted
in parts and added up: the command line and the report window's worker
process count half of them in a forked process (``parallel``).

One module over 500 lines because the metrics share that one token pass: the
report, its per-document figures and the command line all read the same
painted codes, so the definitions above hold everywhere alike.
"""

from __future__ import annotations

import os
import pickle
import re
import threading
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from itertools import accumulate, combinations
from operator import itemgetter, sub
from typing import Any

from annotator.core.collector import gc_paused
from annotator.core.model import DocumentLabelValue
from annotator.core.schema import DocumentLabelDef, LabelSchema

TOKEN_PATTERN = re.compile(r"\w+|[^\w\s]")
"""What a token is (issue 5)."""

PARALLEL_MIN_CHARS = 1_000_000
"""Text (code points) below which a second process costs more than it saves."""

OUTSIDE = "O"
"""The overall category of a token that no span of the annotator overlaps."""

# A token and the whitespace after it: the matches tile the text from the first
# token on, so their lengths add up to the token starts (faster than finditer).
_TOKEN_AND_SPACE = re.compile(r"(?:\w+|[^\w\s])\s*")
_LEADING_SPACE = re.compile(r"\s*")

SpanTuple = tuple[int, int, str]
"""A span as the agreement maths sees it: (start, end, label), code-point offsets."""

_START = itemgetter(0)
_END = itemgetter(1)
_LABEL = itemgetter(2)


Speaker = int | tuple[int, int]
"""Whom a quote or claim is attributed to: the entity of its speaker mention,
or the mention's extent (start, end) when it is no entity's mention."""

ATTRIBUTED_KINDS = ("quote", "claim")
"""Label kinds whose spans have a speaker or claimant (attribution agreement)."""


@dataclass(frozen=True, slots=True)
class AgreementDocument:
    """One compared document: its text and each compared annotator's spans."""

    id: int
    text: str
    spans: Mapping[str, Sequence[SpanTuple]]
    document_labels: Mapping[str, Mapping[str, DocumentLabelValue]] = field(default_factory=dict)
    """Annotator -> {document label: value}, for the labels the schema declares."""
    speakers: Mapping[str, Mapping[SpanTuple, frozenset[Speaker]]] = field(default_factory=dict)
    """Annotator -> {quote or claim span with a speaker link: whom the links name}."""


@dataclass(frozen=True, slots=True)
class PairAgreement:
    a: str
    b: str
    exact_f1: float | None
    overlap_f1: float | None
    kappa: float | None
    exact_f1_by_label: dict[str, float | None]
    overlap_f1_by_label: dict[str, float | None]
    kappa_by_label: dict[str, float | None]

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "exact_f1": self.exact_f1,
            "overlap_f1": self.overlap_f1,
            "kappa": self.kappa,
            "exact_f1_by_label": self.exact_f1_by_label,
            "overlap_f1_by_label": self.overlap_f1_by_label,
            "kappa_by_label": self.kappa_by_label,
        }


@dataclass(frozen=True, slots=True)
class DocumentLabelPair:
    """One pair's kappa on a document label, over the documents both set it on."""

    a: str
    b: str
    kappa: float | None
    documents: int


@dataclass(frozen=True, slots=True)
class DocumentLabelAgreement:
    """Agreement on one declared document label."""

    name: str
    multiple: bool
    documents: int
    """Documents on which at least two compared annotators set it (alpha's units)."""
    alpha: float | None
    pairs: list[DocumentLabelPair]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "choice": "multiple" if self.multiple else "single",
            "documents": self.documents,
            "alpha": self.alpha,
            "pairs": [
                {"a": p.a, "b": p.b, "kappa": p.kappa, "documents": p.documents} for p in self.pairs
            ],
        }


@dataclass(frozen=True, slots=True)
class AttributionPair:
    """Of one pair's matched quotes and claims that both linked to a speaker,
    how many (``same``) name the same one."""

    a: str
    b: str
    agreement: float | None
    compared: int
    same: int


@dataclass(frozen=True, slots=True)
class AttributionAgreement:
    """Attribution agreement per pair and over all pairs (same / compared)."""

    labels: list[str]
    """The quote and claim labels compared."""
    agreement: float | None
    compared: int
    same: int
    pairs: list[AttributionPair]

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "agreement": self.agreement,
            "compared": self.compared,
            "same": self.same,
            "pairs": [
                {
                    "a": p.a,
                    "b": p.b,
                    "agreement": p.agreement,
                    "compared": p.compared,
                    "same": p.same,
                }
                for p in self.pairs
            ],
        }


@dataclass(frozen=True, slots=True)
class AgreementReport:
    annotators: list[str]
    labels: list[str]
    documents: int
    tokens: int
    pairs: list[PairAgreement]
    alpha: float | None
    alpha_by_label: dict[str, float | None]
    spans_by_annotator: dict[str, int] = field(default_factory=dict)
    document_labels: list[DocumentLabelAgreement] | None = None
    """Per declared document label; None when computed without a schema that declares some."""
    attribution: AttributionAgreement | None = None
    """None when computed without a schema relating a quote or claim label to a speaker."""

    def to_json(self) -> dict[str, Any]:
        """Exactly the shape of ``annotator agreement --json`` (issue 5; the
        last two keys only when the schema gives them, issue 15)."""
        found: dict[str, Any] = {
            "annotators": list(self.annotators),
            "documents": self.documents,
            "tokens": self.tokens,
            "pairs": [p.to_json() for p in self.pairs],
            "alpha": self.alpha,
            "alpha_by_label": self.alpha_by_label,
        }
        if self.document_labels is not None:
            found["document_labels"] = [d.to_json() for d in self.document_labels]
        if self.attribution is not None:
            found["attribution"] = self.attribution.to_json()
        return found


# --- building blocks (public so that tests and the window can use them) -------


def tokenize(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every token of ``text``."""
    return [m.span() for m in TOKEN_PATTERN.finditer(text)]


def token_starts(text: str) -> list[int]:
    """Start of every token, then ``len(text)`` as a sentinel (n + 1 values)."""
    lead = _LEADING_SPACE.match(text)
    first = lead.end() if lead is not None else 0
    return list(accumulate(map(len, _TOKEN_AND_SPACE.findall(text, first)), initial=first))


def token_range(text: str, starts: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Indices ``[i0, i1)`` of the tokens that share a character with ``text[start:end]``.

    ``starts`` is :func:`token_starts` of ``text``. Empty when no token overlaps.
    """
    # Tokens hold no whitespace and only whitespace lies between a token's end
    # and the next start (str.isspace is re's \s): so ``start`` is inside the
    # last token starting at or before it exactly when it is not whitespace.
    i0 = bisect_right(starts, start) - (not text[start].isspace())
    return i0, bisect_left(starts, end)


def f1(matches: int, total: int) -> float | None:
    """2 x matches / (spans of A + spans of B); None when there are no spans."""
    return 2 * matches / total if total else None


def exact_matches(a: Iterable[SpanTuple], b: Iterable[SpanTuple]) -> Counter[SpanTuple]:
    """Spans (with multiplicity) that are in both: equal start, end and label."""
    return Counter(a) & Counter(b)


def overlap_matches(a: Sequence[SpanTuple], b: Sequence[SpanTuple]) -> list[SpanTuple]:
    """The A span of every pair :func:`overlap_pairs` matches."""
    return [span_a for span_a, _ in overlap_pairs(a, b)]


def overlap_pairs(
    a: Sequence[SpanTuple], b: Sequence[SpanTuple]
) -> list[tuple[SpanTuple, SpanTuple]]:
    """One-to-one matching of same-label spans sharing a character, greedy.

    Identical spans are paired first (a pair of identical spans always ranks
    first among the pairs of either span, so this is exactly what the greedy
    rule would do), then the rest.
    """
    common = exact_matches(a, b)
    matched = [(span, span) for span in common.elements()]
    rest_a = list((Counter(a) - common).elements())
    rest_b = list((Counter(b) - common).elements())
    matched.extend(_greedy_overlap(rest_a, rest_b))
    return matched


def _greedy_overlap(
    a: Sequence[SpanTuple], b: Sequence[SpanTuple]
) -> list[tuple[SpanTuple, SpanTuple]]:
    if not a or not b:
        return []
    bs = sorted(b)
    b_starts = list(map(_START, bs))
    longest_b = max(map(sub, map(_END, bs), b_starts))
    candidates: list[tuple[int, int, SpanTuple, SpanTuple, int, int]] = []
    for ia, span_a in enumerate(a):
        sa, ea, la = span_a
        # Only B spans that start before A ends, and not so early that they end
        # before A starts.
        k = bisect_left(b_starts, ea) - 1
        floor = sa - longest_b
        while k >= 0:
            span_b = bs[k]
            sb, eb, lb = span_b
            if sb <= floor:
                break
            if lb == la and eb > sa:
                shared = min(ea, eb) - max(sa, sb)
                outside = (ea - sa) + (eb - sb) - 2 * shared
                candidates.append((-shared, outside, span_a, span_b, ia, k))
            k -= 1
    if not candidates:
        return []
    candidates.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched: list[tuple[SpanTuple, SpanTuple]] = []
    for _, _, span_a, span_b, ia, ib in candidates:
        if ia in used_a or ib in used_b:
            continue
        used_a.add(ia)
        used_b.add(ib)
        matched.append((span_a, span_b))
    return matched


def cohen_kappa(pairs: Mapping[tuple[Any, Any], int]) -> float | None:
    """Cohen's kappa from counts of (category by A, category by B).

    None when chance agreement is certain (both gave one and the same category
    to everything, or there is nothing to compare).
    """
    total = 0
    agree = 0
    by_a: dict[Any, int] = {}
    by_b: dict[Any, int] = {}
    for (ca, cb), count in pairs.items():
        if not count:
            continue
        total += count
        by_a[ca] = by_a.get(ca, 0) + count
        by_b[cb] = by_b.get(cb, 0) + count
        if ca == cb:
            agree += count
    return _kappa(total, agree, _chance(by_a, by_b))


def _chance(by_a: Mapping[Any, int], by_b: Mapping[Any, int]) -> int:
    """Sum over categories of A's count x B's count (chance agreement x total²)."""
    return sum(n * by_b.get(c, 0) for c, n in by_a.items())


def _kappa(total: int, agree: int, chance: int) -> float | None:
    """Cohen's kappa from integer counts: the one division every kappa makes."""
    denominator = total * total - chance
    if denominator == 0:
        return None
    return (total * agree - chance) / denominator


def krippendorff_alpha_nominal(units: Mapping[tuple[Any, ...], int]) -> float | None:
    """Krippendorff's alpha (nominal) when every coder codes every unit.

    ``units`` counts units by the tuple of values the coders gave them. None when
    there is no disagreement to expect (a single value overall, or fewer than
    two values in all).
    """
    coders = 0
    disagreement = 0  # (m - 1) x the off-diagonal coincidences
    values: dict[Any, int] = {}
    for key, count in units.items():
        if not count:
            continue
        coders = len(key)
        per_unit = Counter(key)
        disagreement += count * (coders * coders - sum(n * n for n in per_unit.values()))
        for value, n in per_unit.items():
            values[value] = values.get(value, 0) + n * count
    return _alpha(coders, disagreement, values)


def _alpha(coders: int, disagreement: int, values: Mapping[Any, int]) -> float | None:
    """Alpha from ``coders``, (m - 1) x the off-diagonal coincidences, and
    how often each value was given: the one division every alpha makes."""
    if coders < 2:
        return None
    n_total = sum(values.values())
    expected = n_total * n_total - sum(n * n for n in values.values())
    if expected == 0 or n_total < 2:
        return None
    return 1 - (n_total - 1) * disagreement / ((coders - 1) * expected)


def krippendorff_alpha_nominal_missing(units: Iterable[Sequence[Any]]) -> float | None:
    """Krippendorff's alpha (nominal) when coders may leave units out.

    Each unit is the list of values the coders who coded it gave; units with
    fewer than two values are not pairable and count for nothing. A unit of m
    values adds n_c x n_k / (m - 1) coincidences for each pair of values c, k.
    Exact fractions, so the figure does not depend on the order of the units.
    None as :func:`krippendorff_alpha_nominal`.
    """
    off_diagonal = Fraction(0)
    totals: Counter[Any] = Counter()
    for values in units:
        m = len(values)
        if m < 2:
            continue
        per_value = Counter(values)
        off_diagonal += Fraction(m * m - sum(n * n for n in per_value.values()), m - 1)
        totals.update(per_value)
    n_total = totals.total()
    expected = n_total * n_total - sum(n * n for n in totals.values())
    if n_total < 2 or expected == 0:
        return None
    return float(1 - (n_total - 1) * off_diagonal / expected)


# --- the report -----------------------------------------------------------------


class _Codes:
    """A token's state for one annotator as one int: label mask, then category.

    Category 0 is ``O``; label i (1-based, report order) is category i and
    has mask bit i - 1. The category takes the low ``shift`` bits, so painting
    a label over a token clears them and ORs in ``paint[label]``.
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        self.index = {label: i + 1 for i, label in enumerate(self.labels)}
        self.shift = len(self.labels).bit_length()
        self.base = 1 << self.shift
        self.width = self.shift + len(self.labels)  # bits of a code
        # What painting a label ORs in: its mask bit and its category.
        self.paint = {label: (1 << (i - 1 + self.shift)) | i for label, i in self.index.items()}
        # Precedence among spans of equal length and start: alphabetical label.
        self.rank = {label: r for r, label in enumerate(sorted(self.labels))}

    def category(self, code: int) -> int:
        return code & (self.base - 1)


class _Layers:
    """Every compared annotator's code of a token in one int (issue 14).

    Annotator k's code (:class:`_Codes`) takes the bits from ``k x
    width`` up. A span that several annotators share is painted once for
    all of them (a stroke ORs in their label's bits and clears their
    category bits), so one list of ints per document holds every
    annotator's codes, and counting its ints (in C) counts the per-token
    code tuples.
    """

    def __init__(self, codes: _Codes, annotators: int) -> None:
        self.codes = codes
        self.shifts = [k * codes.width for k in range(annotators)]
        self.category_mask = sum((codes.base - 1) << shift for shift in self.shifts)
        self.strokes: dict[int, dict[str, tuple[int, int, int]]] = {}
        """Owners (bit k: annotator k) -> label -> (precedence, add, keep)."""
        self._categories: dict[int, tuple[int, ...]] = {}
        self.pairs = list(combinations(range(annotators), 2))
        self.units: dict[int, tuple[int, list[int], list[int]]] = {}
        """Key -> what a document's figures need of it (:meth:`unit`)."""

    def stroke(self, owners: int) -> dict[str, tuple[int, int, int]]:
        """Label -> (precedence among spans of equal extent, the bits to OR
        in, the bits to keep) for a span of the annotators in ``owners``."""
        codes = self.codes
        low = codes.base - 1
        clear = sum(low << shift for k, shift in enumerate(self.shifts) if owners >> k & 1)
        last = len(codes.labels) - 1
        found = {
            label: (
                last - codes.rank[label],
                sum(paint << shift for k, shift in enumerate(self.shifts) if owners >> k & 1),
                ~clear,
            )
            for label, paint in codes.paint.items()
        }
        self.strokes[owners] = found
        return found

    def categories(self, key: int) -> tuple[int, ...]:
        """Each annotator's category in ``key``."""
        found = self._categories.get(key)
        if found is None:
            low = self.codes.base - 1
            found = self._categories[key] = tuple(key >> shift & low for shift in self.shifts)
        return found

    def unit(self, key: int) -> tuple[int, list[int], list[int]]:
        """The unit's off-diagonal coincidences x (m - 1), the pairs (their
        index) that put it alike, and each annotator's category as an id
        (category x m + annotator)."""
        categories = self.categories(key)
        m = len(categories)
        found = self.units[key] = (
            m * m - sum(n * n for n in Counter(categories).values()),
            [p for p, (i, j) in enumerate(self.pairs) if categories[i] == categories[j]],
            [category * m + k for k, category in enumerate(categories)],
        )
        return found

    def project(
        self, units: Mapping[int, int], label_index: int | None
    ) -> Counter[tuple[int, ...]]:
        """Unit counts by every annotator's category (``label_index`` None),
        or by whether each has that label (1 or 0)."""
        if label_index is None:
            mask = self.category_mask
        else:
            bit = self.codes.shift + label_index - 1
            mask = sum(1 << (bit + shift) for shift in self.shifts)
        masked: dict[int, int] = {}
        for key, count in units.items():
            key &= mask
            masked[key] = masked.get(key, 0) + count
        if label_index is None:
            return Counter({self.categories(key): count for key, count in masked.items()})
        return Counter(
            {
                tuple(key >> (bit + shift) & 1 for shift in self.shifts): count
                for key, count in masked.items()
            }
        )


def _paint(
    text: str,
    starts: Sequence[int],
    n: int,
    groups: Mapping[int, Sequence[SpanTuple]],
    layers: _Layers,
) -> list[int]:
    """Each token's codes (:class:`_Layers`) for the spans in ``groups``,
    distinct spans by the annotators who have them (bit k: annotator k)."""
    strokes = layers.strokes
    labels = len(layers.codes.labels)
    after = len(text) + 1
    # (precedence, i0, i1, add, keep); the token range is token_range() inlined.
    ranges: list[tuple[int, int, int, int, int]] = []
    append = ranges.append
    for owners, spans in groups.items():
        stroke = strokes.get(owners)
        if stroke is None:
            stroke = layers.stroke(owners)
        for s, e, label in spans:
            i0 = bisect_right(starts, s) - (not text[s].isspace())
            # A token has a character at least: at most e - s start before e.
            hi = i0 + e - s
            i1 = bisect_left(starts, e, i0, hi if hi < n else n)
            if i0 < i1:
                rank, add, keep = stroke[label]
                # Longest first, then the earlier, then the alphabetically
                # last label: each token's category is its annotator's
                # shortest span's (then the later's, then the alphabetically
                # first label's).
                append((((s - e) * after + s) * labels + rank, i0, i1, add, keep))
    states = [0] * n
    ranges.sort()
    for _, i0, i1, add, keep in ranges:
        if i1 - i0 == 1:  # most spans are a word or two
            states[i0] = states[i0] & keep | add
            continue
        segment = states[i0:i1]
        first = segment[0]
        if segment.count(first) == len(segment):
            states[i0:i1] = [first & keep | add] * len(segment)
        else:
            states[i0:i1] = [code & keep | add for code in segment]
    return states


@dataclass(frozen=True, slots=True)
class DocumentPair:
    """One pair's figures on one document (those of ``compute_agreement([doc], ...)``)."""

    a: str
    b: str
    exact_f1: float | None
    overlap_f1: float | None
    kappa: float | None


@dataclass(frozen=True, slots=True)
class DocumentAgreement:
    """One document's figures: every pair's, and alpha for all the annotators."""

    id: int
    pairs: list[DocumentPair]
    alpha: float | None


def compute_agreement(
    documents: Iterable[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    parallel: bool = False,
    schema: LabelSchema | None = None,
) -> AgreementReport:
    """Every figure of issue 5 for ``annotators`` over ``documents``.

    ``labels`` restricts the comparison to those labels (spans with other labels
    are ignored, as if absent) and fixes the per-label order; by default every
    label the annotators used, sorted.

    ``parallel``: count half the documents in a second process when there is
    enough to count (:data:`PARALLEL_MIN_CHARS`), the platform forks and
    this process runs one thread (the command line, the report window's
    worker process; never the window's own process). The
    counts are integers, so the figures are exactly the same.

    ``schema``: also the figures of :func:`who_said_what` (document labels,
    attribution), from the documents' ``document_labels`` and ``speakers``.
    """
    return _compute(documents, annotators, labels, None, parallel, schema)


def compute_agreement_by_document(
    documents: Iterable[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    parallel: bool = False,
    schema: LabelSchema | None = None,
) -> tuple[AgreementReport, list[DocumentAgreement]]:
    """:func:`compute_agreement`, and each document's overall figures in the same pass.

    A document's figures are exactly those of ``compute_agreement([document],
    annotators, labels)`` (its pairs' exact F1, overlap F1 and kappa, and its
    alpha): the same integer counts, from the same painting of its tokens, reach
    the same divisions. Computing them per document that way costs the whole
    report's machinery (every label's kappa and alpha) once per document.

    ``parallel`` as for :func:`compute_agreement`: the child counts the second
    half's documents and their figures, which follow the first half's in
    order, so the result is the same.
    """
    by_document: list[DocumentAgreement] = []
    return _compute(documents, annotators, labels, by_document, parallel, schema), by_document


def _compute(
    documents: Iterable[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None,
    by_document: list[DocumentAgreement] | None,
    parallel: bool,
    schema: LabelSchema | None,
) -> AgreementReport:
    with gc_paused():
        return _compute_all(documents, annotators, labels, by_document, parallel, schema)


def _compute_all(
    documents: Iterable[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None,
    by_document: list[DocumentAgreement] | None,
    parallel: bool,
    schema: LabelSchema | None,
) -> AgreementReport:
    names = list(annotators)
    if len(set(names)) != len(names):
        raise ValueError("an annotator is named twice")
    docs = list(documents)
    wanted = None if labels is None else list(dict.fromkeys(labels))
    wanted_set = None if wanted is None else set(wanted)

    # The spans compared, per document, in annotator order.
    doc_spans: list[list[list[SpanTuple]]] = []
    # Spans per label, per annotator (counted in C as they are gathered).
    totals: list[Counter[str]] = [Counter() for _ in names]
    for doc in docs:
        row: list[list[SpanTuple]] = []
        for name, total in zip(names, totals, strict=True):
            spans = list(doc.spans.get(name, ()))
            if wanted_set is not None:
                spans = [s for s in spans if s[2] in wanted_set]
            total.update(map(_LABEL, spans))
            row.append(spans)
        doc_spans.append(row)
    used = {label for total in totals for label, count in total.items() if count}
    report_labels = wanted if wanted is not None else sorted(used)
    codes = _Codes(report_labels)
    layers = _Layers(codes, len(names))

    pair_index = list(combinations(range(len(names)), 2))
    count = partial(
        _count,
        names=names,
        layers=layers,
        pair_index=pair_index,
        with_documents=by_document is not None,
    )
    if parallel and sum(len(doc.text) for doc in docs) >= PARALLEL_MIN_CHARS:
        counts = _count_in_two_processes(docs, doc_spans, count)
    else:
        counts = count(docs, doc_spans)
    if by_document is not None:
        by_document.extend(counts.by_document)
    # The tokens by every annotator's category, and by whether each has a label.
    overall_units = layers.project(counts.units, None)
    label_units = {
        label: layers.project(counts.units, codes.index[label]) for label in report_labels
    }
    exact, overlap = counts.exact, counts.overlap

    pairs = []
    for p, (i, j) in enumerate(pair_index):
        exact_by_label = Counter(exact[p])
        overlap_by_label = Counter(overlap[p])
        overlap_by_label.update(exact_by_label)
        pairs.append(
            _pair_figures(
                names, i, j, totals, exact_by_label, overlap_by_label, overall_units, label_units
            )
        )
    alpha = krippendorff_alpha_nominal(overall_units)
    alpha_by_label = {
        label: krippendorff_alpha_nominal(units) for label, units in label_units.items()
    }
    document_labels, attribution = (
        (None, None) if schema is None else who_said_what(docs, names, schema, wanted)
    )
    return AgreementReport(
        annotators=names,
        labels=report_labels,
        documents=len(docs),
        tokens=counts.tokens,
        pairs=pairs,
        alpha=alpha,
        alpha_by_label=alpha_by_label,
        spans_by_annotator={name: sum(totals[i].values()) for i, name in enumerate(names)},
        document_labels=document_labels,
        attribution=attribution,
    )


# --- who said what: document labels and attribution (issue 15) ------------------


def attribution_links(schema: LabelSchema) -> list[tuple[str, str]]:
    """(relation type, source label) of every declared link from a quote or
    claim label: the speaker and claimant links attribution agreement reads."""
    kinds = {label.name: label.kind for label in schema.labels}
    return [
        (relation.name, source)
        for relation in schema.relations
        for source in relation.sources
        if kinds.get(source) in ATTRIBUTED_KINDS
    ]


def who_said_what(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    schema: LabelSchema,
    labels: Sequence[str] | None = None,
) -> tuple[list[DocumentLabelAgreement] | None, AttributionAgreement | None]:
    """Agreement on the schema's document labels and on attribution.

    None for either when the schema declares no document label, or no link
    from a quote or claim label (among ``labels``, when given).
    """
    names = list(annotators)
    document_labels = (
        [document_label_agreement(documents, names, d) for d in schema.document_labels]
        if schema.document_labels
        else None
    )
    attributed = list(dict.fromkeys(label for _, label in attribution_links(schema)))
    if labels is not None:
        attributed = [label for label in attributed if label in labels]
    attribution = attribution_agreement(documents, names, attributed) if attributed else None
    return document_labels, attribution


def _choices(value: DocumentLabelValue) -> set[str]:
    return set(value) if isinstance(value, list | tuple) else {value}


def _choice(value: DocumentLabelValue) -> Any:
    """A single choice's category (a list, left by a schema that changed, as a whole)."""
    return tuple(sorted(value)) if isinstance(value, list | tuple) else value


def document_label_agreement(
    documents: Iterable[AgreementDocument], annotators: Sequence[str], definition: DocumentLabelDef
) -> DocumentLabelAgreement:
    """Kappa per pair and alpha for all on one document label (docs/review.md,
    "The metrics, exactly"). A single choice is one item per document, its
    category the value; a multiple choice is one yes/no item per declared
    value per document (was the value chosen?)."""
    names = list(annotators)
    # Each item: annotator index -> category, for the annotators who set the label.
    items: list[dict[int, Any]] = []
    both = Counter[tuple[int, int]]()
    shared = 0
    for doc in documents:
        given = {
            i: value
            for i, name in enumerate(names)
            if (value := doc.document_labels.get(name, {}).get(definition.name)) is not None
        }
        if len(given) < 2:
            continue
        shared += 1
        both.update(combinations(sorted(given), 2))
        if definition.multiple:
            chosen = {i: _choices(value) for i, value in given.items()}
            items.extend(
                {i: value in choices for i, choices in chosen.items()}
                for value in definition.values
            )
        else:
            items.append({i: _choice(value) for i, value in given.items()})
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        table = Counter((item[i], item[j]) for item in items if i in item and j in item)
        pairs.append(DocumentLabelPair(names[i], names[j], cohen_kappa(table), both[(i, j)]))
    alpha = krippendorff_alpha_nominal_missing(list(item.values()) for item in items)
    return DocumentLabelAgreement(definition.name, definition.multiple, shared, alpha, pairs)


def attribution_agreement(
    documents: Iterable[AgreementDocument], annotators: Sequence[str], labels: Sequence[str]
) -> AttributionAgreement:
    """Per pair, of the spans with ``labels`` that :func:`overlap_pairs` matches
    and that both annotators linked to a speaker, the share whose speakers are
    the same (the same set of :data:`Speaker`)."""
    names = list(annotators)
    wanted = set(labels)
    pair_index = list(combinations(range(len(names)), 2))
    compared = [0] * len(pair_index)
    same = [0] * len(pair_index)
    for doc in documents:
        speakers = [doc.speakers.get(name) for name in names]
        if sum(1 for found in speakers if found) < 2:
            continue
        spans = [[s for s in doc.spans.get(name, ()) if s[2] in wanted] for name in names]
        for p, (i, j) in enumerate(pair_index):
            said_a, said_b = speakers[i], speakers[j]
            if not said_a or not said_b:
                continue
            for span_a, span_b in overlap_pairs(spans[i], spans[j]):
                who_a, who_b = said_a.get(span_a), said_b.get(span_b)
                if who_a and who_b:
                    compared[p] += 1
                    same[p] += who_a == who_b
    pairs = [
        AttributionPair(names[i], names[j], _share(same[p], compared[p]), compared[p], same[p])
        for p, (i, j) in enumerate(pair_index)
    ]
    total, agreed = sum(compared), sum(same)
    return AttributionAgreement(list(labels), _share(agreed, total), total, agreed, pairs)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(slots=True)
class _Counts:
    """What a pass over some documents counted. Integers and labels only, so
    the passes over the parts of a corpus add up to the pass over all of it."""

    units: Counter[int]
    """Tokens by their codes (:class:`_Layers`)."""
    exact: list[list[str]]
    overlap: list[list[str]]
    tokens: int
    by_document: list[DocumentAgreement]

    def add(self, other: _Counts) -> None:
        """Add the counts of the documents after these."""
        self.units.update(other.units)
        for mine, theirs in zip(self.exact, other.exact, strict=True):
            mine.extend(theirs)
        for mine, theirs in zip(self.overlap, other.overlap, strict=True):
            mine.extend(theirs)
        self.tokens += other.tokens
        self.by_document.extend(other.by_document)


def _count(
    docs: Sequence[AgreementDocument],
    doc_spans: Sequence[Sequence[Sequence[SpanTuple]]],
    *,
    names: Sequence[str],
    layers: _Layers,
    pair_index: Sequence[tuple[int, int]],
    with_documents: bool,
) -> _Counts:
    """Paint, count and match ``docs`` (with their compared spans, ``doc_spans``)."""
    exact: list[list[str]] = [[] for _ in pair_index]
    overlap: list[list[str]] = [[] for _ in pair_index]
    units: Counter[int] = Counter()
    tokens = 0
    bits = [1 << k for k in range(len(names))]

    by_document: list[DocumentAgreement] = []
    for doc, row in zip(docs, doc_spans, strict=True):
        text = doc.text
        starts = token_starts(text)
        n = len(starts) - 1
        tokens += n
        doc_units: Counter[int] | dict[int, int]
        # Each distinct span once, with the annotators who have it (bit k:
        # annotator k), grouped by who has it.
        owned: dict[SpanTuple, int] = {}
        for bit, spans in zip(bits, row, strict=True):
            for span in spans:
                owned[span] = owned.get(span, 0) | bit
        groups: dict[int, list[SpanTuple]] = {}
        for span, owners in owned.items():
            group = groups.get(owners)
            if group is None:
                groups[owners] = [span]
            else:
                group.append(span)
        if groups:
            states = _paint(text, starts, n, groups, layers)
            if with_documents:
                doc_units = Counter(states)
                units.update(doc_units)
            else:
                units.update(states)
                doc_units = {}
        elif n:
            units[0] += n
            doc_units = {0: n}
        else:
            doc_units = {}
        # An annotator with the same span twice: matches count with multiplicity.
        twice = sum(map(len, row)) != sum(map(int.bit_count, owned.values()))
        doc_matches: list[tuple[int, int]] = []
        for p, (i, j) in enumerate(pair_index):
            a, b = row[i], row[j]
            if not a or not b:
                doc_matches.append((0, 0))
                continue
            if not twice:
                bit_a, bit_b = bits[i], bits[j]
                common: list[SpanTuple] = []
                rest_a: list[SpanTuple] = []
                rest_b: list[SpanTuple] = []
                for owners, group in groups.items():
                    if owners & bit_a:
                        if owners & bit_b:
                            common.extend(group)
                        else:
                            rest_a.extend(group)
                    elif owners & bit_b:
                        rest_b.extend(group)
                exact[p].extend(map(_LABEL, common))
                rest = _greedy_overlap(rest_a, rest_b)
                same = len(common)
            else:
                both = exact_matches(a, b)
                exact[p].extend(map(_LABEL, both.elements()))
                rest = _greedy_overlap(
                    list((Counter(a) - both).elements()), list((Counter(b) - both).elements())
                )
                same = both.total()
            overlap[p].extend(span_a[2] for span_a, _ in rest)
            doc_matches.append((same, same + len(rest)))
        if with_documents:
            by_document.append(
                _document_figures(doc.id, names, row, pair_index, doc_matches, doc_units, layers)
            )

    return _Counts(units, exact, overlap, tokens, by_document)


def _count_in_two_processes(
    docs: Sequence[AgreementDocument],
    doc_spans: Sequence[Sequence[Sequence[SpanTuple]]],
    count: Callable[
        [Sequence[AgreementDocument], Sequence[Sequence[Sequence[SpanTuple]]]], _Counts
    ],
) -> _Counts:
    """``count(docs, doc_spans)`` with the second half counted in a forked child.

    Only where the platform forks and this process runs one thread (forking
    a threaded process can copy a lock held by another thread). The child
    sends its counts back pickled and leaves at once (``os._exit``: nothing
    of the parent's, buffers or exit handlers, runs twice); if it fails in
    any way, this process counts its half too, so the result is always the
    same.
    """
    half = len(docs) // 2
    if not hasattr(os, "fork") or threading.active_count() > 1 or half == 0:
        return count(docs, doc_spans)
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return count(docs, doc_spans)
    try:
        child = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return count(docs, doc_spans)
    if child == 0:
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(count(docs[half:], doc_spans[half:]), out, pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)  # whatever happened, never return into the parent's code
    os.close(write_end)
    received = os.fdopen(read_end, "rb")
    try:
        counts = count(docs[:half], doc_spans[:half])
        sent = received.read()
    finally:
        received.close()  # a child still writing then stops (broken pipe)
        _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) == 0 and sent:
        second: _Counts = pickle.loads(sent)  # our own child's counts
    else:
        second = count(docs[half:], doc_spans[half:])
    counts.add(second)
    return counts


def _document_figures(
    doc_id: int,
    names: Sequence[str],
    row: Sequence[Sequence[SpanTuple]],
    pair_index: Sequence[tuple[int, int]],
    matches: Sequence[tuple[int, int]],
    doc_units: Mapping[int, int],
    layers: _Layers,
) -> DocumentAgreement:
    """One document's overall figures from its counts (see compute_agreement_by_document).

    ``doc_units`` counts the tokens by their codes (:class:`_Layers`). Categories are compared for
    equality only, so the report's label numbering gives the same kappa and
    alpha as the document's own would.
    """
    # Each annotator's count of each category: a pair's kappa needs only
    # these and how many tokens the two put alike; alpha needs them and
    # each unit's off-diagonal coincidences.
    m = len(names)
    disagreement = 0
    agree = [0] * len(pair_index)
    given: dict[int, int] = {}  # category x m + annotator -> tokens
    known = layers.units
    for key, count in doc_units.items():
        unit = known.get(key)
        if unit is None:
            unit = layers.unit(key)
        off_diagonal, alike, ids = unit
        disagreement += count * off_diagonal
        for p in alike:
            agree[p] += count
        for i in ids:
            given[i] = given.get(i, 0) + count
    total = sum(doc_units.values())
    by_annotator: list[dict[int, int]] = [{} for _ in names]
    values: dict[int, int] = {}
    for i, count in given.items():
        category = i // m
        by_annotator[i % m][category] = count
        values[category] = values.get(category, 0) + count
    pairs = []
    for p, ((i, j), (same, overlapping)) in enumerate(zip(pair_index, matches, strict=True)):
        both = len(row[i]) + len(row[j])
        pairs.append(
            DocumentPair(
                names[i],
                names[j],
                f1(same, both),
                f1(overlapping, both),
                _kappa(total, agree[p], _chance(by_annotator[i], by_annotator[j])),
            )
        )
    alpha = _alpha(m if total else 0, disagreement, values)
    return DocumentAgreement(doc_id, pairs, alpha)


def _pair_figures(
    names: Sequence[str],
    i: int,
    j: int,
    totals: Sequence[Counter[str]],
    exact: Counter[str],
    overlap: Counter[str],
    overall_units: Mapping[tuple[int, ...], int],
    label_units: Mapping[str, Mapping[tuple[int, ...], int]],
) -> PairAgreement:
    """A pair's figures; ``overall_units`` counts the tokens by every
    annotator's category, ``label_units`` by whether each has the label."""
    both = sum(totals[i].values()) + sum(totals[j].values())
    labels = list(label_units)
    return PairAgreement(
        a=names[i],
        b=names[j],
        exact_f1=f1(sum(exact.values()), both),
        overlap_f1=f1(sum(overlap.values()), both),
        kappa=cohen_kappa(_pair_units(overall_units, i, j)),
        exact_f1_by_label={
            label: f1(exact[label], totals[i][label] + totals[j][label]) for label in labels
        },
        overlap_f1_by_label={
            label: f1(overlap[label], totals[i][label] + totals[j][label]) for label in labels
        },
        kappa_by_label={
            label: cohen_kappa(_pair_units(units, i, j)) for label, units in label_units.items()
        },
    )


def _pair_units(units: Mapping[tuple[int, ...], int], i: int, j: int) -> Counter[tuple[int, int]]:
    pair: Counter[tuple[int, int]] = Counter()
    for key, count in units.items():
        pair[(key[i], key[j])] += count
    return pair


def token_categories(text: str, spans: Sequence[SpanTuple], labels: Sequence[str]) -> list[str]:
    """Each token's overall category for one annotator (``O`` or a label).

    ``labels`` are the labels in play (spans with other labels are ignored).
    """
    codes = _Codes(labels)
    starts = token_starts(text)
    kept = list(dict.fromkeys(s for s in spans if s[2] in codes.index))
    states = _paint(text, starts, len(starts) - 1, {1: kept}, _Layers(codes, 1))
    names = [OUTSIDE, *codes.labels]
    return [names[codes.category(c)] for c in states]
