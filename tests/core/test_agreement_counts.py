"""The agreement's counting in arrays (annotator.core.agreement_counts, issue 14):
counted in batches or spread in parts, the figures are the pinned ones; its
tokens are the regex's on hostile text; a reader's column layers count as
lists of tuples do."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from annotator.core import agreement_counts
from annotator.core.agreement import (
    AgreementDocument,
    DocumentAgreement,
    compute_agreement,
    compute_agreement_by_document,
    overlap_pairs,
    token_starts,
)
from annotator.core.agreement_counts import (
    SpanOutsideText,
    _sort_order,
    character_classes,
    tokens_before,
)
from annotator.core.span_layer import SpanLayer
from tests.core.test_agreement_pinned import FILTERS, NAMES, _documents, _load


def _rows(by_document: list[DocumentAgreement]) -> list[list[Any]]:
    """Each document's figures as the pinned fixture holds them."""
    return [
        [d.id, d.alpha, [[p.a, p.b, p.exact_f1, p.overlap_f1, p.kappa] for p in d.pairs]]
        for d in by_document
    ]


@pytest.mark.parametrize("index", [0, 4, 7, 11])
def test_counted_a_document_and_a_span_at_a_time_the_figures_are_the_pinned_ones(
    index: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every document its own batch, every span spread on its own.
    monkeypatch.setattr(agreement_counts, "BATCH_CHARACTERS", 1)
    monkeypatch.setattr(agreement_counts, "SPREAD_ENTRIES", 1)
    case = _load()[index]
    docs = _documents(case)
    for labels, pinned in zip(FILTERS, case["figures"], strict=True):
        report, by_document = compute_agreement_by_document(docs, NAMES, labels)
        assert report.to_json() == pinned["report"], labels
        assert report.labels == pinned["labels"]
        assert report.spans_by_annotator == pinned["spans_by_annotator"]
        assert _rows(by_document) == pinned["documents"], labels
        assert compute_agreement(docs, NAMES, labels) == report


HOSTILE = [
    "",
    "   ",
    "plain ascii, with punctuation!",
    "Latin-1: café «non» ½ ×",
    "Two bytes: — “quoted” ‘x’ Кийв 北京",
    "Past U+FFFF: 😀👍🏽 𝒜𝒷 e\u0301",
    "A lone surrogate \udc80 and \ud800x",
    "Windows\r\nline\r\nends\ttab\x0bvt\x0cff\x1cfs\x1dgs\x1e\x1f\x85nel\xa0nbsp\u2028ls\u3000",
    "NUL\x00inside_and_under_score 123 ١٢٣ x²",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_tokens_are_the_regex_tokens(text: str) -> None:
    classes = character_classes(text)
    assert classes.size == len(text)
    before = tokens_before(classes)
    starts = token_starts(text)[:-1]
    assert int(before[-1]) == len(starts)
    # A token starts where the count of tokens started goes up.
    assert np.flatnonzero(np.diff(before)).tolist() == starts


def test_texts_of_every_width_joined_give_each_texts_figures() -> None:
    """The batch joins its texts (one byte, two or four a character): each
    document's figures are those it has on its own."""
    docs = [
        AgreementDocument(
            i,
            text,
            {
                "alice": [(0, max(1, len(text) // 2), "X")] if text else [],
                "bob": [(0, len(text), "X")] if text else [],
            },
        )
        for i, text in enumerate(HOSTILE)
    ]
    _, together = compute_agreement_by_document(docs, ["alice", "bob"])
    alone = [compute_agreement_by_document([d], ["alice", "bob"])[1][0] for d in docs]
    assert together == alone


def test_a_column_layer_is_a_sequence_of_spans_and_counts_as_one() -> None:
    spans = [(0, 4, "Person"), (5, 9, "Place"), (0, 4, "Person")]
    layer = SpanLayer([0, 5, 0], [4, 9, 4], ["Person", "Place", "Person"])
    assert layer == spans and spans == layer
    assert len(layer) == 3 and layer[1] == (5, 9, "Place") and layer[1:] == spans[1:]
    assert list(layer) == spans
    assert layer != [(0, 4, "Person")]
    with pytest.raises(ValueError, match="differ in length"):
        SpanLayer([0], [1, 2], ["X"])
    text = "Anna Rome and Anna"
    as_lists = AgreementDocument(1, text, {"a": spans, "b": [(0, 4, "Person")]})
    as_columns = AgreementDocument(1, text, {"a": layer, "b": SpanLayer([0], [4], ["Person"])})
    assert compute_agreement_by_document([as_columns], ["a", "b"]) == (
        compute_agreement_by_document([as_lists], ["a", "b"])
    )


def test_keys_too_wide_for_one_integer_still_sort() -> None:
    rng = np.random.default_rng(3)
    wide = rng.integers(0, 1 << 40, size=500)
    narrow = rng.integers(0, 4, size=500)
    for keys in [(narrow, wide, wide), (narrow, narrow, wide)]:
        order = _sort_order(*keys)
        rows = [tuple(int(k[i]) for k in keys) for i in order]
        assert rows == sorted(rows)


def test_equal_overlaps_go_to_the_earlier_span_whatever_the_order() -> None:
    """Two A spans share as much with one B span, with as much outside: the
    earlier A span takes it, in the attribution's pairing and the counting alike."""
    text = "aa bb cc dd ee ff gg hh"
    earlier, later, b = (3, 8, "X"), (9, 14, "X"), (6, 11, "X")
    for a in ([earlier, later], [later, earlier]):
        assert overlap_pairs(a, [b]) == [(earlier, b)]
        doc = AgreementDocument(1, text, {"a": a, "b": [b]})
        report = compute_agreement([doc], ["a", "b"])
        assert report.pairs[0].overlap_f1 == 2 * 1 / 3


@pytest.mark.parametrize("extent", [(-1, 3), (2, 99), (5, 4)])
def test_a_span_outside_its_text_is_refused_naming_the_document(extent: tuple[int, int]) -> None:
    """Counted, it would fall on the next document's tokens."""
    start, end = extent
    docs = [
        AgreementDocument(7, "Anna met Bob.", {"a": [(start, end, "X")], "b": [(0, 4, "X")]}),
        AgreementDocument(8, "Rome is far.", {"a": [(0, 4, "X")], "b": [(0, 4, "X")]}),
    ]
    with pytest.raises(SpanOutsideText, match=f"document 7: a span at {start}-{end} lies outside"):
        compute_agreement(docs, ["a", "b"])
    # At the very end of the text, or empty, it is within.
    docs[0] = AgreementDocument(7, "Anna met Bob.", {"a": [(9, 13, "X"), (13, 13, "X")]})
    assert compute_agreement(docs, ["a", "b"]).documents == 2
