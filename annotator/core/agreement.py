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
  first), then the earlier A span, then the earlier B span (earlier: starts
  first, or starts with it and ends first).

Speed (issue 14): the counts these figures are made of (tokens per category,
per label and per pair, exact and overlap matches) come from
:mod:`annotator.core.agreement_counts`, in NumPy arrays for the whole corpus
at once; every division is made here, on Python integers, so a figure is
exactly its definition's. The report, its per-document figures and the
command line all read those same counts.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate, combinations
from operator import itemgetter, sub
from typing import TYPE_CHECKING, Any

from annotator.core.collector import gc_paused
from annotator.core.model import DocumentLabelValue
from annotator.core.schema import DocumentLabelDef, LabelSchema

if TYPE_CHECKING:
    from annotator.core.agreement_counts import CorpusCounts, DocumentCounts

TOKEN_PATTERN = re.compile(r"\w+|[^\w\s]")
"""What a token is (issue 5)."""

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
    a = sorted(a)  # "the earlier A span" (as annotator.core.agreement_counts)
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
    return _alpha(coders, disagreement, sum(values.values()), sum(n * n for n in values.values()))


def _alpha(coders: int, disagreement: int, n_total: int, square_sum: int) -> float | None:
    """Alpha from ``coders``, (m - 1) x the off-diagonal coincidences, how
    many values were given in all and the sum of each value's count squared:
    the one division every alpha makes."""
    if coders < 2:
        return None
    expected = n_total * n_total - square_sum
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


def load_counting() -> None:
    """Import the counting (:mod:`annotator.core.agreement_counts`: NumPy,
    about 0.1 s) and build its tables, as the first computation would."""
    from annotator.core.agreement_counts import warm_up

    warm_up()


def compute_agreement(
    documents: Iterable[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    schema: LabelSchema | None = None,
) -> AgreementReport:
    """Every figure of issue 5 for ``annotators`` over ``documents``.

    ``labels`` restricts the comparison to those labels (spans with other labels
    are ignored, as if absent) and fixes the per-label order; by default every
    label the annotators used, sorted.

    ``schema``: also the figures of :func:`who_said_what` (document labels,
    attribution), from the documents' ``document_labels`` and ``speakers``.
    """
    return _compute(documents, annotators, labels, None, schema)


def compute_agreement_by_document(
    documents: Iterable[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    schema: LabelSchema | None = None,
) -> tuple[AgreementReport, list[DocumentAgreement]]:
    """:func:`compute_agreement`, and each document's overall figures in the same pass.

    A document's figures are exactly those of ``compute_agreement([document],
    annotators, labels)`` (its pairs' exact F1, overlap F1 and kappa, and its
    alpha): the same integer counts, from the same tokens and categories,
    reach the same divisions. Computing them per document that way costs the
    whole report's machinery (every label's kappa and alpha) once per document.
    """
    by_document: list[DocumentAgreement] = []
    return _compute(documents, annotators, labels, by_document, schema), by_document


def _compute(
    documents: Iterable[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None,
    by_document: list[DocumentAgreement] | None,
    schema: LabelSchema | None,
) -> AgreementReport:
    tally = tally_agreement(
        documents, annotators, labels, schema=schema, with_documents=by_document is not None
    )
    return report_from_tallies([tally], annotators, labels, schema=schema, by_document=by_document)


@dataclass(frozen=True, slots=True)
class AgreementTally:
    """What counting some of the compared documents gave (:func:`tally_agreement`).

    Tallies of consecutive parts of the documents add up to the report
    (:func:`report_from_tallies`), the same as counting them all at once. A
    tally is small (no text, only the spans attribution compares) and
    pickles, so another process may count a part.
    """

    counts: CorpusCounts
    labels: Sequence[str]
    """The labels ``counts`` are counted by (label i at index i)."""
    documents: list[AgreementDocument]
    """The documents counted, in order, as :func:`who_said_what` needs them:
    no text, and only the spans of attributed labels where two annotators or
    more named a speaker."""


def tally_agreement(
    documents: Iterable[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    schema: LabelSchema | None = None,
    with_documents: bool = False,
) -> AgreementTally:
    """Count ``documents`` for :func:`compute_agreement` (``with_documents``:
    each document's counts too, for :func:`compute_agreement_by_document`)."""
    from annotator.core import agreement_counts

    names = list(annotators)
    if len(set(names)) != len(names):
        raise ValueError("an annotator is named twice")
    wanted = None if labels is None else list(dict.fromkeys(labels))
    attributed = set() if schema is None else set(_attributed_labels(schema, wanted))
    kept: list[AgreementDocument] = []
    with gc_paused():  # the figures' objects form no cycles; the documents' are many
        counts, counted = agreement_counts.count_batches(
            _batches(documents, names, attributed, kept, agreement_counts.BATCH_CHARACTERS),
            annotators=len(names),
            labels=wanted,
            with_documents=with_documents,
        )
    return AgreementTally(counts, counted, kept)


def report_from_tallies(
    tallies: Sequence[AgreementTally],
    annotators: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    schema: LabelSchema | None = None,
    by_document: list[DocumentAgreement] | None = None,
) -> AgreementReport:
    """The report of the documents of ``tallies``, in order, each made by
    :func:`tally_agreement` with the same annotators, labels and schema
    (and ``with_documents`` when ``by_document`` is given, which gets each
    document's figures)."""
    from annotator.core.agreement_counts import merge_counts

    names = list(annotators)
    wanted = None if labels is None else list(dict.fromkeys(labels))
    counts, report_labels = merge_counts(
        [(tally.counts, tally.labels) for tally in tallies], annotators=len(names), labels=wanted
    )
    docs = [doc for tally in tallies for doc in tally.documents]
    if by_document is not None:
        by_document.extend(
            _document_figures(doc.id, names, found)
            for doc, found in zip(docs, counts.documents, strict=True)
        )
    m, tokens = len(names), counts.tokens
    pairs = [
        _pair_figures(names, i, j, p, counts, report_labels) for p, (i, j) in enumerate(_pairs(m))
    ]
    # Alpha over the categories: a token's m² - sum of its categories' squared
    # counts is m² - m - 2 x the pairs that agree on it.
    values = [sum(column) for column in zip(*counts.categories, strict=True)]
    alpha = _alpha(
        m if tokens else 0,
        tokens * (m * m - m) - 2 * sum(counts.agree),
        m * tokens,
        sum(n * n for n in values),
    )
    alpha_by_label = {}
    for index, label in enumerate(report_labels, 1):
        # Per label, yes or no: h annotators of m with it over a token give
        # 2h(m - h); the sum of h² is the annotators' counts plus twice the pairs'.
        having = sum(counts.labelled[k][index] for k in range(m))
        squares = having + 2 * sum(both[index] for both in counts.both_labelled)
        alpha_by_label[label] = _alpha(
            m if tokens else 0,
            2 * m * having - 2 * squares,
            m * tokens,
            having * having + (m * tokens - having) ** 2,
        )
    document_labels, attribution = (
        (None, None) if schema is None else who_said_what(docs, names, schema, wanted)
    )
    return AgreementReport(
        annotators=names,
        labels=report_labels,
        documents=len(docs),
        tokens=tokens,
        pairs=pairs,
        alpha=alpha,
        alpha_by_label=alpha_by_label,
        spans_by_annotator={name: sum(counts.spans[k]) for k, name in enumerate(names)},
        document_labels=document_labels,
        attribution=attribution,
    )


def _batches(
    documents: Iterable[AgreementDocument],
    names: Sequence[str],
    attributed: set[str],
    kept: list[AgreementDocument],
    characters: int,
) -> Iterator[tuple[list[str], list[list[Sequence[SpanTuple]]], list[int]]]:
    """``documents`` in batches of about ``characters`` (one document at
    least), as texts, layers and ids, each batch given as soon as read (a
    reader that reads as it is iterated is then counted meanwhile); what
    :func:`who_said_what` reads of every document is put in ``kept`` as it
    comes, so the texts go once counted."""
    texts: list[str] = []
    layers: list[list[Sequence[SpanTuple]]] = []
    ids: list[int] = []
    size = 0
    for doc in documents:
        kept.append(_for_who_said_what(doc, names, attributed))
        if texts and size + len(doc.text) > characters:
            yield texts, layers, ids
            texts, layers, ids, size = [], [], [], 0
        texts.append(doc.text)
        layers.append([doc.spans.get(name, ()) for name in names])
        ids.append(doc.id)
        size += len(doc.text) + 1
    if texts:
        yield texts, layers, ids


def _pairs(annotators: int) -> list[tuple[int, int]]:
    return list(combinations(range(annotators), 2))


def _pair_figures(
    names: Sequence[str], i: int, j: int, p: int, counts: CorpusCounts, labels: Sequence[str]
) -> PairAgreement:
    """Pair ``p`` (annotators ``i`` and ``j``): its figures from the corpus' counts."""
    tokens = counts.tokens
    spans_i, spans_j = counts.spans[i], counts.spans[j]
    exact, overlap = counts.exact[p], counts.overlap[p]
    both = sum(spans_i) + sum(spans_j)
    chance = sum(a * b for a, b in zip(counts.categories[i], counts.categories[j], strict=True))
    kappa_by_label = {}
    for index, label in enumerate(labels, 1):
        has_i, has_j = counts.labelled[i][index], counts.labelled[j][index]
        has_both = counts.both_labelled[p][index]
        kappa_by_label[label] = _kappa(
            tokens,
            has_both + (tokens - has_i - has_j + has_both),
            has_i * has_j + (tokens - has_i) * (tokens - has_j),
        )
    return PairAgreement(
        a=names[i],
        b=names[j],
        exact_f1=f1(sum(exact), both),
        overlap_f1=f1(sum(overlap), both),
        kappa=_kappa(tokens, counts.agree[p], chance),
        exact_f1_by_label={
            label: f1(exact[index], spans_i[index] + spans_j[index])
            for index, label in enumerate(labels, 1)
        },
        overlap_f1_by_label={
            label: f1(overlap[index], spans_i[index] + spans_j[index])
            for index, label in enumerate(labels, 1)
        },
        kappa_by_label=kappa_by_label,
    )


def _document_figures(
    doc_id: int, names: Sequence[str], counts: DocumentCounts
) -> DocumentAgreement:
    """One document's overall figures from its counts (see compute_agreement_by_document)."""
    m, tokens = len(names), counts.tokens
    pairs = [
        DocumentPair(
            names[i],
            names[j],
            f1(counts.exact[p], counts.spans[i] + counts.spans[j]),
            f1(counts.overlap[p], counts.spans[i] + counts.spans[j]),
            _kappa(tokens, counts.agree[p], counts.chance[p]),
        )
        for p, (i, j) in enumerate(_pairs(m))
    ]
    alpha = _alpha(m if tokens else 0, counts.disagreement, m * tokens, counts.category_square_sum)
    return DocumentAgreement(doc_id, pairs, alpha)


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
    attributed = _attributed_labels(schema, labels)
    attribution = attribution_agreement(documents, names, attributed) if attributed else None
    return document_labels, attribution


def _attributed_labels(schema: LabelSchema, labels: Sequence[str] | None) -> list[str]:
    """The quote and claim labels whose speakers :func:`attribution_agreement`
    compares (of ``labels``, when given)."""
    attributed = list(dict.fromkeys(label for _, label in attribution_links(schema)))
    return attributed if labels is None else [label for label in attributed if label in labels]


def _for_who_said_what(
    doc: AgreementDocument, names: Sequence[str], attributed: set[str]
) -> AgreementDocument:
    """``doc`` with what :func:`who_said_what` reads of it and nothing else:
    its document labels, its speakers and, where two annotators or more named
    speakers (the documents attribution compares), the spans of ``attributed``
    labels."""
    named = sum(1 for name in names if doc.speakers.get(name))
    spans = (
        {name: [s for s in doc.spans.get(name, ()) if s[2] in attributed] for name in names}
        if named >= 2 and attributed
        else {}
    )
    return AgreementDocument(doc.id, "", spans, doc.document_labels, doc.speakers)


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


def token_categories(text: str, spans: Sequence[SpanTuple], labels: Sequence[str]) -> list[str]:
    """Each token's overall category for one annotator (``O`` or a label).

    ``labels`` are the labels in play (spans with other labels are ignored).
    """
    from annotator.core.agreement_counts import overall_categories, span_columns

    compared = list(labels)
    names = [OUTSIDE, *compared]
    return [names[c] for c in overall_categories(text, span_columns([[spans]], compared), compared)]
