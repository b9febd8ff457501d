"""Agreement tallies (issue 14): the documents counted in consecutive parts, a
part perhaps by another process, give exactly the report of counting them at
once, who-said-what figures and each document's figures included."""

from __future__ import annotations

import pickle
import random

import pytest

from annotator.core.agreement import (
    AgreementDocument,
    SpanTuple,
    Speaker,
    compute_agreement,
    compute_agreement_by_document,
    report_from_tallies,
    tally_agreement,
)
from tests.core.test_who_said_what_agreement import SCHEMA

NAMES = ["a", "b", "c"]


def _corpus(seed: int, documents: int = 9) -> list[AgreementDocument]:
    """Random documents: spans of three labels, speakers on some quotes and
    claims, document labels; the label a part uses differs from part to part."""
    rng = random.Random(seed)
    docs = []
    for doc_id in range(1, documents + 1):
        text = " ".join(
            rng.choice(["Blinken", "said", "Astana", "😀", "—", "no"]) for _ in range(40)
        )
        labels = ["Quote", "Claim", "Person"] if doc_id % 3 else ["Person"]
        spans: dict[str, list[SpanTuple]] = {}
        speakers: dict[str, dict[SpanTuple, frozenset[Speaker]]] = {}
        values = {}
        for name in NAMES:
            layer = []
            for _ in range(rng.randint(0, 7)):
                start = rng.randrange(0, len(text) - 10)
                layer.append((start, start + rng.randint(1, 10), rng.choice(labels)))
            # Shared extents, so exact and overlap matches and attribution happen.
            layer.append((0, 7, labels[0]))
            spans[name] = layer
            said = {
                span: frozenset({rng.choice([1, 2, (20, 27)])})
                for span in layer
                if span[2] in ("Quote", "Claim") and rng.random() < 0.7
            }
            if said and (name != "c" or rng.random() < 0.5):  # two of three, at times
                speakers[name] = said
            if rng.random() < 0.8:
                values[name] = {
                    "topic": rng.choice(["politics", "economy"]),
                    "frames": rng.sample(["conflict", "economy"], rng.randint(0, 2)),
                }
        docs.append(AgreementDocument(doc_id, text, spans, values, speakers))
    return docs


@pytest.mark.parametrize("labels", [None, ["Quote", "Person"]])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tallies_of_the_parts_give_the_report_of_the_whole(
    seed: int, labels: list[str] | None
) -> None:
    docs = _corpus(seed)
    whole, whole_by_document = compute_agreement_by_document(docs, NAMES, labels, schema=SCHEMA)
    assert whole.attribution is not None and whole.attribution.compared > 0
    assert whole.document_labels is not None
    for cut in range(len(docs) + 1):
        parts = [docs[:cut], docs[cut:]]
        tallies = [
            # A part as another process would send it back.
            pickle.loads(
                pickle.dumps(
                    tally_agreement(part, NAMES, labels, schema=SCHEMA, with_documents=True)
                )
            )
            for part in parts
        ]
        by_document: list = []
        report = report_from_tallies(tallies, NAMES, labels, schema=SCHEMA, by_document=by_document)
        assert report == whole, cut
        assert by_document == whole_by_document, cut
        without_documents = [tally_agreement(part, NAMES, labels, schema=SCHEMA) for part in parts]
        assert report_from_tallies(without_documents, NAMES, labels, schema=SCHEMA) == whole
    assert compute_agreement(docs, NAMES, labels, schema=SCHEMA) == whole


def test_a_part_using_labels_the_other_lacks_is_merged_by_label_name() -> None:
    docs = _corpus(4)
    # The first part uses Person only; the second all three: merged by position,
    # Person's counts would land on Claim's.
    first = [doc for doc in docs if doc.id % 3 == 0]
    rest = [doc for doc in docs if doc.id % 3]
    tallies = [tally_agreement(part, NAMES) for part in (first, rest)]
    assert list(tallies[0].labels) == ["Person"]
    assert list(tallies[1].labels) == ["Claim", "Person", "Quote"]
    assert report_from_tallies(tallies, NAMES) == compute_agreement(first + rest, NAMES)


def test_a_tally_keeps_no_text_and_only_the_spans_attribution_compares() -> None:
    docs = _corpus(5)
    tally = tally_agreement(docs, NAMES, schema=SCHEMA)
    for kept, doc in zip(tally.documents, docs, strict=True):
        assert (kept.id, kept.text) == (doc.id, "")
        assert kept.document_labels == doc.document_labels
        assert kept.speakers == doc.speakers
        if sum(1 for name in NAMES if doc.speakers.get(name)) >= 2:
            assert kept.spans == {
                name: [s for s in doc.spans[name] if s[2] in ("Quote", "Claim")] for name in NAMES
            }
        else:
            assert kept.spans == {}
    assert all(kept.spans == {} for kept in tally_agreement(docs, NAMES).documents)
