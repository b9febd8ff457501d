"""Agreement on document labels and on attribution (issue 15): hand-computed
cases, and alpha with missing values against the `krippendorff` package."""

from __future__ import annotations

import math
import random

import krippendorff
import pytest

from annotator.core.agreement import (
    AgreementDocument,
    SpanTuple,
    Speaker,
    attribution_agreement,
    attribution_links,
    compute_agreement,
    document_label_agreement,
    krippendorff_alpha_nominal_missing,
)
from annotator.core.model import DocumentLabelValue
from annotator.core.schema import DocumentLabelDef, parse_schema

TOPIC = DocumentLabelDef("topic", ("politics", "economy", "sport"))
FRAMES = DocumentLabelDef("frames", ("conflict", "economy"), multiple=True)

SCHEMA = parse_schema(
    {
        "labels": [
            {"name": "Quote", "kind": "quote"},
            {"name": "Claim", "kind": "claim"},
            {"name": "Person", "kind": "entity"},
        ],
        "relations": [
            {"name": "speaker", "from": ["Quote"], "to": ["Person"]},
            {"name": "claimant", "from": ["Claim"], "to": ["Person"]},
            {"name": "knows", "from": ["Person"], "to": ["Person"]},
        ],
        "document_labels": [
            {"name": "topic", "values": ["politics", "economy", "sport"]},
            {"name": "frames", "values": ["conflict", "economy"], "choice": "multiple"},
        ],
    }
)


def labelled(doc_id: int, **values: dict[str, DocumentLabelValue]) -> AgreementDocument:
    return AgreementDocument(doc_id, "Some text.", {}, document_labels=values)


def test_single_choice_kappa_per_pair_and_alpha_over_the_documents_they_set() -> None:
    docs = [
        labelled(1, a={"topic": "politics"}, b={"topic": "politics"}, c={"topic": "economy"}),
        labelled(2, a={"topic": "economy"}, b={"topic": "economy"}),
        labelled(3, a={"topic": "politics"}, b={"topic": "sport"}, c={"topic": "politics"}),
        labelled(4, a={"topic": "sport"}),  # one annotator only: not counted
    ]
    found = document_label_agreement(docs, ["a", "b", "c"], TOPIC)
    assert found.documents == 3
    pairs = {(p.a, p.b): (p.kappa, p.documents) for p in found.pairs}
    # a/b: 3 documents, 2 agree; chance sum 2x1 (politics) + 1x1 (economy) = 3.
    assert pairs[("a", "b")] == (pytest.approx((3 * 2 - 3) / (9 - 3)), 3)
    # a/c: politics/economy, politics/politics: chance 2 x 1 (politics).
    assert pairs[("a", "c")] == (pytest.approx(0.0), 2)
    # b/c: politics/economy, sport/politics: no agreement, chance 1.
    assert pairs[("b", "c")] == (pytest.approx(-1 / 3), 2)
    # Units [p, p, e], [e, e], [p, s, p]: off-diagonal coincidences 2 + 0 + 2,
    # value totals p 4, e 3, s 1 (n 8): 1 - 7 x 4 / (64 - 26).
    assert found.alpha == pytest.approx(1 - 7 * 4 / 38)


def test_multiple_choice_is_a_yes_no_item_per_declared_value() -> None:
    docs = [
        labelled(1, a={"frames": ["conflict"]}, b={"frames": ["conflict", "economy"]}),
        labelled(2, a={"frames": ["economy"]}, b={"frames": ["economy"]}),
    ]
    found = document_label_agreement(docs, ["a", "b"], FRAMES)
    # Items: (yes, yes), (no, yes), (no, no), (yes, yes): 3 of 4 agree; a says
    # yes 2, no 2, b yes 3, no 1: chance sum 2x3 + 2x1 = 8.
    assert found.pairs[0].kappa == pytest.approx((4 * 3 - 8) / (16 - 8))
    assert found.pairs[0].documents == found.documents == 2
    # One unit of four disagrees (2 off-diagonal); yes 5, no 3.
    assert found.alpha == pytest.approx(1 - 7 * 2 / (64 - 34))


def test_document_label_figures_are_undefined_with_nothing_to_compare() -> None:
    docs = [labelled(1, a={"topic": "politics"}), labelled(2, b={"topic": "economy"})]
    found = document_label_agreement(docs, ["a", "b"], TOPIC)
    assert (found.documents, found.alpha, found.pairs[0].kappa) == (0, None, None)
    same = document_label_agreement(
        [labelled(1, a={"topic": "sport"}, b={"topic": "sport"})], ["a", "b"], TOPIC
    )
    assert (same.documents, same.alpha, same.pairs[0].kappa) == (1, None, None)


def test_alpha_with_missing_values_equals_the_krippendorff_package() -> None:
    rng = random.Random(15)
    for _ in range(30):
        coders, units = rng.randint(2, 4), rng.randint(3, 12)
        data = [
            [rng.choice([0.0, 1.0, 2.0, math.nan]) for _ in range(units)] for _ in range(coders)
        ]
        given = [[row[u] for row in data if not math.isnan(row[u])] for u in range(units)]
        pairable = [values for values in given if len(values) > 1]
        if len({v for values in pairable for v in values}) < 2:
            assert krippendorff_alpha_nominal_missing(given) is None
            continue
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert krippendorff_alpha_nominal_missing(given) == pytest.approx(expected)


def test_attribution_links_are_the_declared_links_from_quote_and_claim_labels() -> None:
    assert attribution_links(SCHEMA) == [("speaker", "Quote"), ("claimant", "Claim")]


def said(**links: Speaker) -> frozenset[Speaker]:
    return frozenset(links.values())


def test_attribution_is_the_share_of_matched_linked_pairs_naming_the_same_speaker() -> None:
    q1, q2, c1, q3 = (0, 10, "Quote"), (20, 30, "Quote"), (40, 50, "Claim"), (60, 70, "Quote")
    b_q2, q4, q5, c2 = (
        (22, 30, "Quote"),
        (80, 90, "Quote"),
        (100, 110, "Quote"),
        (120, 130, "Claim"),
    )
    spans: dict[str, list[SpanTuple]] = {
        "a": [q1, q2, c1, q3, q5, c2],
        "b": [q1, b_q2, c1, q4, q5, c2],
        "c": [q1, q2],
    }
    speakers: dict[str, dict[SpanTuple, frozenset[Speaker]]] = {
        "a": {q1: said(x=7), q2: said(x=7), c1: said(x=(140, 145)), q3: said(x=7), q5: said(x=7)},
        # b_q2 overlaps a's q2 (matched) but names entity 8; q5 has no link in
        # b (not counted); c1's speaker is the same extent, not a mention.
        "b": {q1: said(x=7), b_q2: said(x=8), c1: said(x=(140, 145)), q4: said(x=7)},
    }
    speakers["a"][c2] = said(x=9)
    speakers["b"][c2] = said(x=9)
    doc = AgreementDocument(1, "x" * 200, spans, speakers=speakers)
    found = attribution_agreement([doc], ["a", "b", "c"], ["Quote", "Claim"])
    pairs = {(p.a, p.b): (p.agreement, p.compared, p.same) for p in found.pairs}
    assert pairs[("a", "b")] == (pytest.approx(3 / 4), 4, 3)
    assert pairs[("a", "c")] == (None, 0, 0)  # c linked nothing
    assert (found.agreement, found.compared, found.same) == (pytest.approx(3 / 4), 4, 3)
    quotes = attribution_agreement([doc], ["a", "b"], ["Quote"])
    assert (quotes.compared, quotes.same) == (2, 1)
    claims = attribution_agreement([doc], ["a", "b"], ["Claim"])
    assert (claims.compared, claims.same) == (2, 2)


def test_an_entity_and_a_bare_extent_never_name_the_same_speaker() -> None:
    quote = (0, 10, "Quote")
    doc = AgreementDocument(
        1,
        "x" * 30,
        {"a": [quote], "b": [quote]},
        speakers={"a": {quote: said(x=3)}, "b": {quote: said(x=(20, 25))}},
    )
    found = attribution_agreement([doc], ["a", "b"], ["Quote"])
    assert (found.compared, found.same, found.agreement) == (1, 0, 0.0)


def test_the_report_has_the_new_figures_only_with_a_schema() -> None:
    quote = (0, 4, "Quote")
    doc = AgreementDocument(
        1,
        "Some text here.",
        {"a": [quote], "b": [quote]},
        document_labels={"a": {"topic": "sport"}, "b": {"topic": "economy"}},
        speakers={"a": {quote: said(x=1)}, "b": {quote: said(x=1)}},
    )
    plain = compute_agreement([doc], ["a", "b"]).to_json()
    assert "document_labels" not in plain and "attribution" not in plain
    data = compute_agreement([doc], ["a", "b"], schema=SCHEMA).to_json()
    assert list(data)[-2:] == ["document_labels", "attribution"]
    assert [d["name"] for d in data["document_labels"]] == ["topic", "frames"]
    assert data["document_labels"][0] == {
        "name": "topic",
        "choice": "single",
        "documents": 1,
        "alpha": 0.0,  # one unit: 1 - (2 - 1) x 2 / (4 - 2)
        "pairs": [{"a": "a", "b": "b", "kappa": 0.0, "documents": 1}],
    }
    assert data["attribution"] == {
        "labels": ["Quote", "Claim"],
        "agreement": 1.0,
        "compared": 1,
        "same": 1,
        "pairs": [{"a": "a", "b": "b", "agreement": 1.0, "compared": 1, "same": 1}],
    }
    # --label restricts attribution to the quote and claim labels compared.
    only_claims = compute_agreement([doc], ["a", "b"], ["Claim"], schema=SCHEMA)
    assert only_claims.attribution is not None
    assert (only_claims.attribution.labels, only_claims.attribution.compared) == (["Claim"], 0)
