"""Agreement maths: hand-computed cases, then random data against established code.

The references are the `krippendorff` package (alpha) and NLTK's agreement
module (Cohen's kappa), fed with token categories computed here the slow and
obvious way, so both the categories and the formulas are checked.
"""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import krippendorff
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask

from annotator.core.agreement import (
    OUTSIDE,
    TOKEN_PATTERN,
    AgreementDocument,
    SpanTuple,
    cohen_kappa,
    compute_agreement,
    exact_matches,
    krippendorff_alpha_nominal,
    overlap_matches,
    token_categories,
    token_range,
    token_starts,
    tokenize,
)


def doc(text: str, doc_id: int = 1, **spans: list[SpanTuple]) -> AgreementDocument:
    return AgreementDocument(doc_id, text, spans)


def at(text: str, word: str, label: str, nth: int = 0) -> SpanTuple:
    """The span of the nth occurrence of ``word`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return (start, start + len(word), label)


# --- tokens -------------------------------------------------------------------


def test_tokens_are_words_and_single_punctuation() -> None:
    text = "Blinken's visit, naïve café — 2024!"
    words = [text[s:e] for s, e in tokenize(text)]
    assert words == ["Blinken", "'", "s", "visit", ",", "naïve", "café", "—", "2024", "!"]


def test_token_starts_match_the_regex_and_end_with_the_length() -> None:
    text = "  Hi,\tthere\u00a0friend…\n\n"
    starts = token_starts(text)
    assert starts[:-1] == [m.start() for m in TOKEN_PATTERN.finditer(text)]
    assert starts[-1] == len(text)
    assert token_starts("") == [0]
    assert token_starts("   ") == [3]


def test_a_token_is_overlapped_by_any_shared_character() -> None:
    text = "alpha beta gamma"
    starts = token_starts(text)
    assert token_range(text, starts, 0, 5) == (0, 1)
    assert token_range(text, starts, 3, 8) == (0, 2)  # "ha be": alpha and beta
    assert token_range(text, starts, 5, 6) == (1, 1)  # only the space: no token
    assert token_range(text, starts, 4, 16) == (0, 3)


# --- exact and overlap F1 -----------------------------------------------------


def test_exact_f1_overall_and_by_label() -> None:
    text = "Alice met Bob in Paris"
    a = [at(text, "Alice", "PER"), at(text, "Paris", "LOC")]
    b = [at(text, "Alice", "PER"), at(text, "Paris", "PER"), at(text, "Bob", "PER")]
    pair = compute_agreement([doc(text, a=a, b=b)], ["a", "b"]).pairs[0]
    # One match out of 2 + 3 spans.
    assert pair.exact_f1 == pytest.approx(2 * 1 / 5)
    assert pair.exact_f1_by_label == {"LOC": 0.0, "PER": pytest.approx(2 * 1 / 4)}


def test_exact_f1_is_micro_over_documents() -> None:
    one = doc("a b", 1, a=[(0, 1, "X")], b=[(0, 1, "X")])
    two = doc("c d", 2, a=[(0, 1, "X"), (2, 3, "X")], b=[(2, 3, "Y")])
    pair = compute_agreement([one, two], ["a", "b"]).pairs[0]
    # Documents: 1 match of 2 spans, 0 of 3; micro = 2 x 1 / 5 (macro would be 0.5).
    assert pair.exact_f1 == pytest.approx(0.4)


def test_overlap_needs_the_same_label_and_a_shared_character() -> None:
    text = "aaaa bbbb"
    a = [(0, 4, "X"), (5, 9, "X")]
    b = [(2, 6, "Y"), (4, 5, "X")]  # other label; only the space between
    pair = compute_agreement([doc(text, a=a, b=b)], ["a", "b"]).pairs[0]
    assert pair.overlap_f1 == 0.0
    assert pair.exact_f1 == 0.0


def test_overlap_f1_greedy_largest_overlap_first_one_to_one() -> None:
    text = "x" * 30
    # b1 overlaps a1 by 5 and a2 by 7: it goes to a2; a1 has no other partner.
    a = [(0, 10, "X"), (8, 20, "X")]
    b = [(5, 15, "X")]
    pair = compute_agreement([doc(text, a=a, b=b)], ["a", "b"]).pairs[0]
    assert pair.overlap_f1 == pytest.approx(2 * 1 / 3)
    assert pair.exact_f1 == 0.0
    assert overlap_matches(a, b) == [(8, 20, "X")]


def test_overlap_counts_exact_matches_too() -> None:
    text = "one two three four"
    a = [at(text, "one", "X"), (4, 13, "X")]
    b = [at(text, "one", "X"), (8, 18, "X"), at(text, "four", "Y")]
    pair = compute_agreement([doc(text, a=a, b=b)], ["a", "b"]).pairs[0]
    assert pair.exact_f1 == pytest.approx(2 * 1 / 5)
    assert pair.overlap_f1 == pytest.approx(2 * 2 / 5)
    assert pair.overlap_f1_by_label == {"X": pytest.approx(2 * 2 / 4), "Y": 0.0}


def test_an_identical_pair_wins_a_tie_of_overlap() -> None:
    # a1 overlaps b1 (identical) and b2 (containing it) by 4 characters each.
    a = [(0, 4, "X")]
    b = [(0, 8, "X"), (0, 4, "X")]
    assert overlap_matches(a, b) == [(0, 4, "X")]
    a = [(0, 4, "X"), (2, 8, "X")]
    # Identical first: a1-b2, then a2-b1 (6 shared) for 2 matches in all.
    assert sorted(overlap_matches(a, b)) == [(0, 4, "X"), (2, 8, "X")]


def test_duplicate_spans_match_once_each() -> None:
    a = [(0, 1, "X"), (0, 1, "X")]
    b = [(0, 1, "X")]
    assert exact_matches(a, b) == Counter({(0, 1, "X"): 1})
    pair = compute_agreement([doc("a", a=a, b=b)], ["a", "b"]).pairs[0]
    assert pair.exact_f1 == pytest.approx(2 / 3)
    assert pair.overlap_f1 == pytest.approx(2 / 3)


# --- kappa --------------------------------------------------------------------


def test_kappa_over_tokens_by_hand() -> None:
    text = "a b c d"
    # A: X O O O; B: X X O O. po = 3/4, pe = 1/4 x 2/4 + 3/4 x 2/4 = 1/2.
    a = [(0, 1, "X")]
    b = [(0, 3, "X")]
    pair = compute_agreement([doc(text, a=a, b=b)], ["a", "b"]).pairs[0]
    assert pair.kappa == pytest.approx((3 / 4 - 1 / 2) / (1 - 1 / 2))
    assert pair.kappa_by_label == {"X": pytest.approx(0.5)}


def test_kappa_category_is_the_shortest_overlapping_span() -> None:
    text = "a b c d"
    a = [(0, 5, "Quote"), at(text, "b", "Person")]  # Quote Person Quote O
    b = [(0, 5, "Quote")]  # Quote Quote Quote O
    assert token_categories(text, a, ["Person", "Quote"]) == ["Quote", "Person", "Quote", "O"]
    pair = compute_agreement([doc(text, a=a, b=b)], ["a", "b"]).pairs[0]
    # po = 3/4; A: Q 2/4, P 1/4, O 1/4; B: Q 3/4, O 1/4; pe = 6/16 + 1/16.
    po, pe = 3 / 4, 7 / 16
    assert pair.kappa == pytest.approx((po - pe) / (1 - pe))
    # Per label the nesting does not matter: Quote covers the same three tokens.
    assert pair.kappa_by_label["Quote"] == pytest.approx(1.0)
    # Person: A 0 1 0 0, B 0 0 0 0: po = pe = 3/4.
    assert pair.kappa_by_label["Person"] == pytest.approx(0.0)


def test_category_ties_shorter_then_later_then_alphabetical() -> None:
    text = "ab cd ef"
    spans = [(0, 8, "Long"), (0, 5, "Z"), (3, 8, "Y"), (6, 8, "Short")]
    # "cd" is in Z and Y (5 characters each): the later one, Y, wins.
    assert token_categories(text, spans, ["Long", "Short", "Y", "Z"]) == ["Z", "Y", "Short"]
    same = [(0, 2, "Beta"), (0, 2, "Alpha")]
    assert token_categories(text, same, ["Alpha", "Beta"]) == ["Alpha", OUTSIDE, OUTSIDE]


def test_a_partly_covered_token_takes_the_span() -> None:
    text = "unbelievable news"
    assert token_categories(text, [(2, 6, "X")], ["X"]) == ["X", OUTSIDE]


def test_cohen_kappa_building_block() -> None:
    # The classic 2 x 2 example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
    table = {("y", "y"): 20, ("y", "n"): 5, ("n", "y"): 10, ("n", "n"): 15}
    po, pe = 35 / 50, (25 / 50) * (30 / 50) + (25 / 50) * (20 / 50)
    assert cohen_kappa(table) == pytest.approx((po - pe) / (1 - pe))
    assert cohen_kappa({}) is None
    assert cohen_kappa({("y", "y"): 7}) is None


# --- alpha --------------------------------------------------------------------


def test_alpha_by_hand_two_coders() -> None:
    # Units (X,X), (X,O), (O,O), (O,O): n_X = 3, n_O = 5, n = 8, one disagreeing
    # pair each way: alpha = 1 - 7 x 2 / (2 x 3 x 5) = 8/15.
    text = "a b c d"
    report = compute_agreement([doc(text, a=[(0, 3, "X")], b=[(0, 1, "X")])], ["a", "b"])
    assert report.alpha == pytest.approx(8 / 15)
    assert report.alpha_by_label == {"X": pytest.approx(8 / 15)}


def test_alpha_by_hand_three_coders() -> None:
    # Unit (1, 1, 2), three pairable values: o11 = 2 x 1 / 2 = 1, o12 = o21 = 2 x 1 / 2 = 1.
    # Unit (2, 2, 2): o22 = 3 x 2 / 2 = 3. So n1 = 2, n2 = 4, n = 6 and
    # alpha = 1 - (n - 1) x (o12 + o21) / (n1 n2 + n2 n1) = 1 - 5 x 2 / 16.
    units = {(1, 1, 2): 1, (2, 2, 2): 1}
    assert krippendorff_alpha_nominal(units) == pytest.approx(1 - 10 / 16)
    assert krippendorff_alpha_nominal({(1, 1, 1): 5}) is None
    assert krippendorff_alpha_nominal({}) is None


def test_alpha_three_annotators_by_label() -> None:
    text = "a b c"
    report = compute_agreement(
        [doc(text, a=[(0, 1, "X")], b=[(0, 1, "X")], c=[(0, 1, "X"), (2, 3, "Y")])],
        ["a", "b", "c"],
    )
    # X: every annotator on token 0 only: perfect.
    assert report.alpha_by_label["X"] == pytest.approx(1.0)
    # Y: units (0,0,1), (0,0,0) x 2: n_1 = 1, n_0 = 8, n = 9; alpha = 1 - 8 x 2 / 16 = 0.
    assert report.alpha_by_label["Y"] == pytest.approx(0.0)
    assert [(p.a, p.b) for p in report.pairs] == [("a", "b"), ("a", "c"), ("b", "c")]


# --- undefined figures ----------------------------------------------------------


def test_no_spans_at_all_is_undefined_not_perfect() -> None:
    report = compute_agreement([doc("Nothing marked here.", a=[], b=[])], ["a", "b"])
    pair = report.pairs[0]
    assert (pair.exact_f1, pair.overlap_f1, pair.kappa, report.alpha) == (None, None, None, None)
    assert report.labels == []
    assert report.tokens == 4


def test_a_label_nobody_used_is_undefined() -> None:
    text = "a b"
    report = compute_agreement(
        [doc(text, a=[(0, 1, "X")], b=[(0, 1, "X")])], ["a", "b"], labels=["X", "Unused"]
    )
    pair = report.pairs[0]
    assert pair.exact_f1_by_label == {"X": 1.0, "Unused": None}
    assert pair.overlap_f1_by_label["Unused"] is None
    assert pair.kappa_by_label["Unused"] is None
    assert report.alpha_by_label["Unused"] is None


def test_one_category_everywhere_leaves_kappa_and_alpha_undefined() -> None:
    text = "a b"
    report = compute_agreement([doc(text, a=[(0, 3, "X")], b=[(0, 3, "X")])], ["a", "b"])
    pair = report.pairs[0]
    assert pair.exact_f1 == 1.0
    assert pair.kappa is None
    assert report.alpha is None


def test_one_annotator_without_spans_is_defined() -> None:
    report = compute_agreement([doc("a b", a=[(0, 1, "X")], b=[])], ["a", "b"])
    pair = report.pairs[0]
    assert pair.exact_f1 == 0.0
    assert pair.overlap_f1 == 0.0
    assert pair.kappa == 0.0
    assert report.alpha is not None


def test_no_documents() -> None:
    report = compute_agreement([], ["a", "b"])
    assert report.documents == 0
    assert report.tokens == 0
    assert report.pairs[0].kappa is None
    assert report.alpha is None


def test_label_filter_ignores_other_labels() -> None:
    text = "a b c"
    a = [(0, 1, "X"), (2, 3, "Y")]
    b = [(0, 1, "X")]
    report = compute_agreement([doc(text, a=a, b=b)], ["a", "b"], labels=["X"])
    assert report.labels == ["X"]
    assert report.pairs[0].exact_f1 == 1.0
    assert report.pairs[0].kappa == 1.0


def test_json_shape() -> None:
    report = compute_agreement([doc("a b", a=[(0, 1, "X")], b=[(0, 1, "X")])], ["a", "b"])
    data = report.to_json()
    assert list(data) == ["annotators", "documents", "tokens", "pairs", "alpha", "alpha_by_label"]
    assert list(data["pairs"][0]) == [
        "a",
        "b",
        "exact_f1",
        "overlap_f1",
        "kappa",
        "exact_f1_by_label",
        "overlap_f1_by_label",
        "kappa_by_label",
    ]


def test_annotator_named_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        compute_agreement([], ["a", "a"])


# --- random data against the slow definition and established implementations ---

WORDS = ["news", "Minister", "naïve", "2024", "U.S.", "don't", "—", "“Yes,”", "e-mail", "x_y"]
SPACES = [" ", " ", " ", "\n", "\t", "\u00a0", "\u2003", "\x1c", "  "]
LABELS = ["A", "B", "C"]


def random_text(rng: random.Random, words: int) -> str:
    parts = [rng.choice(SPACES) if rng.random() < 0.1 else ""]
    for _ in range(words):
        parts.append(rng.choice(WORDS))
        parts.append(rng.choice(SPACES))
    return "".join(parts)


def random_spans(rng: random.Random, text: str, count: int) -> list[SpanTuple]:
    spans = []
    for _ in range(count):
        start = rng.randrange(len(text) - 1)
        end = min(len(text), start + rng.choice([1, 2, 4, 8, 15, 40]))
        spans.append((start, end, rng.choice(LABELS)))
    if spans and rng.random() < 0.3:
        spans.append(spans[0])  # a duplicate
    return spans


def derived(rng: random.Random, text: str, base: list[SpanTuple]) -> list[SpanTuple]:
    """Another annotator: mostly the same spans, some moved, relabelled or new."""
    out = []
    for start, end, label in base:
        roll = rng.random()
        if roll < 0.6:
            out.append((start, end, label))
        elif roll < 0.75:
            out.append((start, min(len(text), end + rng.randint(1, 5)), label))
        elif roll < 0.85:
            out.append((start, end, rng.choice(LABELS)))
    out.extend(random_spans(rng, text, rng.randint(0, 3)))
    return out


def slow_categories(
    text: str, spans: list[SpanTuple], labels: list[str]
) -> tuple[list[str], dict[str, list[int]]]:
    """The definition, token by token."""
    overall: list[str] = []
    by_label: dict[str, list[int]] = {label: [] for label in labels}
    for m in TOKEN_PATTERN.finditer(text):
        over = [s for s in spans if s[0] < m.end() and m.start() < s[1] and s[2] in labels]
        if over:
            best = min(over, key=lambda s: (s[1] - s[0], -s[0], s[2]))
            overall.append(best[2])
        else:
            overall.append(OUTSIDE)
        for label in labels:
            by_label[label].append(int(any(s[2] == label for s in over)))
    return overall, by_label


def slow_overlap_matches(a: list[SpanTuple], b: list[SpanTuple]) -> int:
    """Greedy over every pair, largest overlap first, without the exact shortcut."""
    pairs = []
    for ia, (sa, ea, la) in enumerate(a):
        for ib, (sb, eb, lb) in enumerate(b):
            shared = min(ea, eb) - max(sa, sb)
            if la == lb and shared > 0:
                outside = (ea - sa) + (eb - sb) - 2 * shared
                pairs.append((-shared, outside, (sa, ea, la), (sb, eb, lb), ia, ib))
    pairs.sort()
    used_a, used_b, matched = set(), set(), 0
    for *_, ia, ib in pairs:
        if ia not in used_a and ib not in used_b:
            used_a.add(ia)
            used_b.add(ib)
            matched += 1
    return matched


def nltk_kappa(x: list[object], y: list[object]) -> float | None:
    if len(set(x) | set(y)) < 2:
        return None
    task = AnnotationTask(
        data=[("a", i, str(v)) for i, v in enumerate(x)]
        + [("b", i, str(v)) for i, v in enumerate(y)]
    )
    return float(task.kappa_pairwise("a", "b"))


def reference_alpha(rows: list[list[object]]) -> float | None:
    values = sorted({v for row in rows for v in row}, key=str)
    if len(values) < 2:
        return None
    code = {v: i for i, v in enumerate(values)}
    data = [[code[v] for v in row] for row in rows]
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def approx_or_none(value: float | None) -> object:
    return None if value is None else pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_random_documents_against_references(seed: int) -> None:
    rng = random.Random(seed)
    names = ["ann", "ben", "cat"][: 2 + seed % 2]
    docs = []
    for doc_id in range(rng.randint(1, 4)):
        text = random_text(rng, rng.randint(5, 40))
        base = random_spans(rng, text, rng.randint(0, 8))
        spans = {name: derived(rng, text, base) for name in names}
        spans[names[0]] = base
        docs.append(AgreementDocument(doc_id, text, spans))
    assert_against_references(docs, names)


def test_many_annotators_and_labels_against_references() -> None:
    """Five annotators and 70 labels: each token's codes for all of them
    take hundreds of bits of one int (issue 14), and still give the figures."""
    rng = random.Random(41)
    wide = [f"L{i:02d}" for i in range(70)]
    names = ["ann", "ben", "cat", "dan", "eve"]
    docs = []
    for doc_id in range(6):
        text = random_text(rng, rng.randint(20, 50))
        base = [(s, e, rng.choice(wide)) for s, e, _ in random_spans(rng, text, 12)]
        spans = {name: derived(rng, text, base) for name in names}
        for name in names[1:]:  # some spans relabelled among the many
            spans[name] = [
                (s, e, rng.choice(wide) if rng.random() < 0.2 else label)
                for s, e, label in spans[name]
            ]
        docs.append(AgreementDocument(doc_id, text, spans))
    assert_against_references(docs, names)


def assert_against_references(docs: list[AgreementDocument], names: list[str]) -> None:
    labels = sorted({s[2] for d in docs for n in names for s in d.spans[n]})
    report = compute_agreement(docs, names)
    assert report.labels == labels
    assert report.tokens == sum(len(tokenize(d.text)) for d in docs)

    overall: dict[str, list[str]] = {n: [] for n in names}
    binary: dict[str, dict[str, list[int]]] = {n: {lab: [] for lab in labels} for n in names}
    for d in docs:
        for n in names:
            cats, by_label = slow_categories(d.text, list(d.spans[n]), labels)
            assert token_categories(d.text, d.spans[n], labels) == cats
            overall[n].extend(cats)
            for lab in labels:
                binary[n][lab].extend(by_label[lab])

    for pair, (a, b) in zip(report.pairs, combinations(names, 2), strict=True):
        assert (pair.a, pair.b) == (a, b)
        assert pair.kappa == approx_or_none(nltk_kappa(overall[a], overall[b]))
        for lab in labels:
            expected = nltk_kappa(binary[a][lab], binary[b][lab])
            assert pair.kappa_by_label[lab] == approx_or_none(expected)
        spans_a = [list(d.spans[a]) for d in docs]
        spans_b = [list(d.spans[b]) for d in docs]
        total = sum(map(len, spans_a)) + sum(map(len, spans_b))
        exact = sum(
            sum((Counter(x) & Counter(y)).values()) for x, y in zip(spans_a, spans_b, strict=True)
        )
        over = sum(slow_overlap_matches(x, y) for x, y in zip(spans_a, spans_b, strict=True))
        assert pair.exact_f1 == approx_or_none(2 * exact / total if total else None)
        assert pair.overlap_f1 == approx_or_none(2 * over / total if total else None)
        for lab in labels:
            only = [[[s for s in x if s[2] == lab] for x in side] for side in (spans_a, spans_b)]
            total = sum(map(len, only[0])) + sum(map(len, only[1]))
            over = sum(slow_overlap_matches(x, y) for x, y in zip(*only, strict=True))
            assert pair.overlap_f1_by_label[lab] == approx_or_none(
                2 * over / total if total else None
            )

    assert report.alpha == approx_or_none(reference_alpha([overall[n] for n in names]))
    for lab in labels:
        expected = reference_alpha([binary[n][lab] for n in names])
        assert report.alpha_by_label[lab] == approx_or_none(expected)


def test_larger_random_project_against_krippendorff() -> None:
    """Enough tokens that the figures are not trivially 0 or 1."""
    rng = random.Random(99)
    names = ["ann", "ben", "cat"]
    docs = []
    for doc_id in range(30):
        text = random_text(rng, 60)
        base = random_spans(rng, text, 10)
        docs.append(AgreementDocument(doc_id, text, {n: derived(rng, text, base) for n in names}))
    report = compute_agreement(docs, names, labels=LABELS)
    rows = [[c for d in docs for c in token_categories(d.text, d.spans[n], LABELS)] for n in names]
    expected = reference_alpha(rows)
    assert expected is not None and 0.1 < expected < 0.95
    assert report.alpha == pytest.approx(expected, abs=1e-9)


def test_order_of_spans_does_not_matter() -> None:
    rng = random.Random(5)
    text = random_text(rng, 50)
    a = random_spans(rng, text, 20)
    b = derived(rng, text, a)
    first = compute_agreement([doc(text, a=a, b=b)], ["a", "b"]).to_json()
    rng.shuffle(a)
    rng.shuffle(b)
    assert compute_agreement([doc(text, a=a, b=b)], ["a", "b"]).to_json() == first


# Any Unicode text: the token arithmetic relies on str.isspace() being re's \s.
any_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u200b\ufeff_-.")),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(text=any_text, data=st.data())
def test_token_arithmetic_on_any_text(text: str, data: st.DataObject) -> None:
    starts = token_starts(text)
    assert starts == [m.start() for m in TOKEN_PATTERN.finditer(text)] + [len(text)]
    if not text:
        return
    spans = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, len(text) - 1), st.integers(1, len(text)), st.sampled_from(LABELS)
            ).filter(lambda s: s[0] < s[1]),
            max_size=6,
        )
    )
    assert token_categories(text, spans, LABELS) == slow_categories(text, spans, LABELS)[0]
