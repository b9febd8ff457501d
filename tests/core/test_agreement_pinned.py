"""The agreement figures, pinned: any change made for speed gives exactly the
figures the code gave when they were recorded (issue 14).

``fixtures/agreement_pinned.json`` holds generated corpora (texts and spans)
and, for each, the report and every document's figures exactly as
:func:`compute_agreement_by_document` gave them at commit 86c1469, with and
without a label filter. The corpora stress what the fast paths could get
wrong: nested spans, equal extents with other labels, duplicates, spans
starting or ending in whitespace or over no token, empty texts, missing
layers. Floats are compared exactly (JSON keeps every bit of a float).

Written with ``.venv/bin/python -m tests.core.test_agreement_pinned --write``
(only ever on purpose: the point is that the figures do not move).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.core.agreement import (
    AgreementDocument,
    SpanTuple,
    compute_agreement,
    compute_agreement_by_document,
    tokenize,
)

FIXTURE = Path(__file__).parent / "fixtures" / "agreement_pinned.json"
NAMES = ["alice", "bob", "carol"]
LABELS = ["Claim", "Quote", "Person", "Place", "Org"]
WORDS = ["the", "minister", "said", "Kyiv", "talks", "«no»", "é", "😀", ",", ".", "  ", "\n"]
FILTERS: list[list[str] | None] = [None, ["Person", "Claim", "Nobody"]]


def _corpus(seed: int, count: int = 25) -> list[AgreementDocument]:
    rng = random.Random(seed)
    docs = []
    for d in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 90)))
        tokens = tokenize(text)
        truth: list[SpanTuple] = []
        for _ in range(rng.randint(0, 14) if tokens else 0):
            first = rng.randrange(len(tokens))
            last = min(len(tokens) - 1, first + rng.choice([0, 0, 1, 2, 5, 12]))
            truth.append((tokens[first][0], tokens[last][1], rng.choice(LABELS)))
        spans: dict[str, list[SpanTuple]] = {}
        for name in NAMES:
            if rng.random() < 0.1:
                continue  # no layer here
            layer = []
            for s, e, label in truth:
                r = rng.random()
                if r < 0.5:
                    layer.append((s, e, label))
                elif r < 0.6:
                    layer.append((s, e, rng.choice(LABELS)))
                elif r < 0.7:  # the same extent twice, another label
                    layer.extend([(s, e, label), (s, e, rng.choice(LABELS))])
                elif r < 0.75:
                    layer.extend([(s, e, label), (s, e, label)])  # a duplicate
                elif r < 0.85:  # any offsets inside the text: whitespace, no token
                    a = rng.randrange(len(text))
                    layer.append((a, min(len(text), a + rng.randint(1, 6)), label))
                elif r < 0.95:  # a boundary moved by a character
                    layer.append((s, max(s + 1, e - 1), label))
            rng.shuffle(layer)
            spans[name] = layer
        docs.append(AgreementDocument(d + 1, text, spans))
    return docs


def _figures(docs: list[AgreementDocument], labels: list[str] | None) -> dict[str, Any]:
    report, by_document = compute_agreement_by_document(docs, NAMES, labels)
    assert report == compute_agreement(docs, NAMES, labels)
    return {
        "report": report.to_json(),
        "labels": report.labels,
        "spans_by_annotator": report.spans_by_annotator,
        "documents": [
            [d.id, d.alpha, [[p.a, p.b, p.exact_f1, p.overlap_f1, p.kappa] for p in d.pairs]]
            for d in by_document
        ],
    }


def _load() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = orjson.loads(FIXTURE.read_bytes())
    return cases


def _documents(case: dict[str, Any]) -> list[AgreementDocument]:
    return [
        AgreementDocument(
            doc["id"],
            doc["text"],
            {name: [tuple(s) for s in spans] for name, spans in doc["spans"].items()},
        )
        for doc in case["documents"]
    ]


def test_the_fixture_has_every_case() -> None:
    cases = _load()
    assert len(cases) == 12
    assert sum(len(case["documents"]) for case in cases) == 300
    assert all(case["figures"][0]["report"]["tokens"] > 0 for case in cases)


@pytest.mark.parametrize("index", range(12))
def test_figures_are_the_pinned_figures(index: int) -> None:
    case = _load()[index]
    docs = _documents(case)
    for labels, pinned in zip(FILTERS, case["figures"], strict=True):
        assert _figures(docs, labels) == pinned, labels


@pytest.mark.parametrize("index", range(12))
def test_the_order_of_a_layers_spans_changes_no_figure(index: int) -> None:
    """The readers hand each layer's spans in whatever order the database
    gives (store/agreement_sqlite.py): sorted, reversed or shuffled again,
    the figures are the pinned ones."""
    case = _load()[index]
    rng = random.Random(index)

    def reorder(how: str) -> list[AgreementDocument]:
        docs = []
        for doc in _documents(case):
            spans: dict[str, list[SpanTuple]] = {}
            for name, layer in doc.spans.items():
                spans[name] = sorted(layer) if how == "sorted" else list(layer)
                if how == "reversed":
                    spans[name].reverse()
                elif how == "shuffled":
                    rng.shuffle(spans[name])
            docs.append(AgreementDocument(doc.id, doc.text, spans))
        return docs

    for how in ("sorted", "reversed", "shuffled"):
        docs = reorder(how)
        for labels, pinned in zip(FILTERS, case["figures"], strict=True):
            assert _figures(docs, labels) == pinned, (how, labels)


def _write() -> None:
    cases = []
    for seed in range(12):
        docs = _corpus(seed)
        cases.append(
            {
                "seed": seed,
                "documents": [
                    {"id": d.id, "text": d.text, "spans": {n: list(s) for n, s in d.spans.items()}}
                    for d in docs
                ],
                "figures": [_figures(docs, labels) for labels in FILTERS],
            }
        )
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_bytes(orjson.dumps(cases))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.core.test_agreement_pinned --write")
    _write()
