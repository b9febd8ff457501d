"""The one-pass per-document figures (issue 14) give exactly the figures of
computing each document on its own, as the report did before."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from annotator.app.review import DocumentFigures, document_figures
from annotator.core.agreement import (
    AgreementDocument,
    SpanTuple,
    compute_agreement,
    compute_agreement_by_document,
    tokenize,
)
from annotator.core.model import DocStatus
from annotator.io.importer import import_paths
from annotator.io.project import create_project, load_project
from annotator.store import repository
from annotator.store.agreement_data import read_agreement_documents
from annotator.store.models import Annotator, Span

NAMES = ["alice", "bob", "carol"]
LABELS = ["Claim", "Quote", "Person", "Place"]
WORDS = ["the", "minister", "said", "Kyiv", "talks", "«no»", "é", "😀", ",", "."]


def _documents(seed: int, count: int = 40, names: list[str] = NAMES) -> list[AgreementDocument]:
    rng = random.Random(seed)
    docs = []
    for d in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 80)))
        if rng.random() < 0.1:
            text = "   "  # no tokens at all
        tokens = tokenize(text)
        truth: list[SpanTuple] = []
        for _ in range(rng.randint(0, 12)):
            if not tokens:
                break
            first = rng.randrange(len(tokens))
            last = min(len(tokens) - 1, first + rng.randint(0, 6))
            truth.append((tokens[first][0], tokens[last][1], rng.choice(LABELS)))
        spans: dict[str, list[SpanTuple]] = {}
        for name in names:
            roll = rng.random()
            if roll < 0.1:
                continue  # this annotator has no layer here
            layer = []
            for s, e, label in truth:
                r = rng.random()
                if r < 0.6:
                    layer.append((s, e, label))
                elif r < 0.75:
                    layer.append((s, e, rng.choice(LABELS)))
                elif r < 0.85 and e - s > 1:
                    layer.append((s + 1 if not text[s + 1].isspace() else s, e, label))
                elif r < 0.9:
                    layer.extend([(s, e, label), (s, e, label)])  # the same span twice
            spans[name] = layer
        docs.append(AgreementDocument(d + 1, text, spans))
    return docs


def _alone(
    doc: AgreementDocument, labels: list[str] | None = None, names: list[str] = NAMES
) -> tuple[object, ...]:
    report = compute_agreement([doc], names, labels)
    return (
        [(p.a, p.b, p.exact_f1, p.overlap_f1, p.kappa) for p in report.pairs],
        report.alpha,
    )


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("labels", [None, ["Person", "Claim"]])
def test_each_document_as_if_computed_alone(seed: int, labels: list[str] | None) -> None:
    docs = _documents(seed)
    report, by_document = compute_agreement_by_document(docs, NAMES, labels)
    assert report == compute_agreement(docs, NAMES, labels)
    assert [d.id for d in by_document] == [d.id for d in docs]
    for doc, figures in zip(docs, by_document, strict=True):
        got = (
            [(p.a, p.b, p.exact_f1, p.overlap_f1, p.kappa) for p in figures.pairs],
            figures.alpha,
        )
        assert got == _alone(doc, labels), doc.id


@pytest.mark.parametrize("seed", range(3))
def test_each_document_as_if_computed_alone_with_five_annotators(seed: int) -> None:
    names = [*NAMES, "dan", "eve"]
    docs = _documents(seed + 50, 30, names)
    report, by_document = compute_agreement_by_document(docs, names)
    assert report == compute_agreement(docs, names)
    for doc, figures in zip(docs, by_document, strict=True):
        got = (
            [(p.a, p.b, p.exact_f1, p.overlap_f1, p.kappa) for p in figures.pairs],
            figures.alpha,
        )
        assert got == _alone(doc, None, names), doc.id


def _old_document_figures(docs: list[AgreementDocument]) -> list[DocumentFigures]:
    """The report's per-document figures as computed before issue 14."""

    def low(value: float | None) -> float:
        return 2.0 if value is None else value

    rows = []
    for document in docs:
        report = compute_agreement([document], NAMES)
        worst = min(report.pairs, key=lambda p: (low(p.exact_f1), low(p.kappa)))
        rows.append(
            DocumentFigures(
                document.id,
                f"t{document.id}",
                worst.a,
                worst.b,
                worst.exact_f1,
                worst.overlap_f1,
                worst.kappa,
                report.alpha,
            )
        )
    rows.sort(key=lambda r: (low(r.exact_f1), low(r.kappa), r.id))
    return rows


@pytest.mark.parametrize("seed", range(4))
def test_the_reports_rows_are_unchanged(seed: int) -> None:
    docs = _documents(seed + 100, 60)
    titles = {d.id: f"t{d.id}" for d in docs}
    assert document_figures(docs, NAMES, titles) == _old_document_figures(docs)


@pytest.mark.parametrize("all_documents", [True, False])
@pytest.mark.parametrize("labels", [None, ["Person", 'Odd "label" \\ ü 😀']])
def test_the_read_gives_every_layer_in_stored_order(
    tmp_path: Path, all_documents: bool, labels: list[str] | None
) -> None:
    """The agreement read (one JSON array a layer on SQLite) gives the spans of
    each layer as plain rows in id order would, labels with any characters."""
    project = create_project(tmp_path / "p")
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(
        b"\n".join(
            orjson.dumps({"text": f"Doc {n}: Zoë met Blinken in Astana 😀."}) for n in range(6)
        )
    )
    db = load_project(project.directory).open_database()
    try:
        import_paths(db, [feed])
        rng = random.Random(3)
        odd = 'Odd "label" \\ ü 😀'
        with db.session() as s:
            for doc in repository.list_documents(s):
                for name in ("alice", "bob", "carol"):
                    for _ in range(rng.randint(0, 6)):
                        start = rng.randrange(0, 20)
                        label = rng.choice(["Person", "Location", odd])
                        repository.add_span(
                            s, doc.id, name, label, start, start + rng.randint(1, 9)
                        )
            for doc in repository.list_documents(s)[:3]:
                for name in ("alice", "bob"):
                    repository.set_status(s, doc.id, name, DocStatus.DONE)
        with db.reader() as session:
            got = read_agreement_documents(
                session, ["alice", "bob"], labels=labels, all_documents=all_documents
            )
            rows = session.execute(
                select(Span.document_id, Annotator.name, Span.start, Span.end, Span.label)
                .join(Annotator, Annotator.id == Span.annotator_id)
                .order_by(Span.id)
            ).all()
    finally:
        db.close()
    wanted: dict[int, dict[str, list[SpanTuple]]] = {}
    for doc_id, name, start, end, label in rows:
        if name in ("alice", "bob") and (labels is None or label in labels):
            wanted.setdefault(doc_id, {}).setdefault(name, []).append((start, end, label))
    assert got, "nothing compared"
    for document in got:
        assert document.spans == wanted.get(document.id, {}), document.id
