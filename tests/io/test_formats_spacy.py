"""spaCy DocBin: loaded back with spaCy (and its training corpus reader), spans compared."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from annotator.core.dataset import ExportFilter
from annotator.core.errors import InputProblem
from annotator.io.formats.api import ExportRequest, run_export
from annotator.store import repository
from tests.io.test_formats_common import (
    TEXTS,
    export_to,
    import_into,
    new_project,
    populate,
    snapshot,
)

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin  # noqa: E402 (after the skip when spaCy is missing)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load(path: Path, language: str = "en") -> list[Any]:
    nlp = spacy.blank(language)
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def chars(spans: Any) -> list[tuple[str, int, int, str]]:
    return sorted((s.label_, s.start_char, s.end_char, s.text) for s in spans)


def test_every_span_in_the_group_and_entities_without_overlaps(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        result = run_export(
            db, project, ExportRequest(format="spacy", target=tmp_path / "train.spacy")
        )
    finally:
        db.close()
    assert result.warnings == [
        "1 relation(s) left out: a DocBin has no place for them "
        "(the native, labelstudio and parquet formats keep them)"
    ]
    docs = load(tmp_path / "train.spacy")
    # One Doc per document and layer; the one nobody annotated has none.
    layers = {(d.user_data["document_id"], d.user_data["annotator"]): d for d in docs}
    assert len(layers) == 4 and len(docs) == 4
    by_text = {d.text: d for d in docs}
    assert set(by_text) == set(TEXTS[:2])
    for doc in docs:
        stored = before[doc.text]["layers"][doc.user_data["annotator"]]
        assert doc.user_data["status"] == stored[0]
        # Every span, overlapping ones too, at its own characters (emoji and a
        # combining mark before some of them).
        assert chars(doc.spans["sc"]) == [s[:4] for s in stored[1]]
    alice = next(d for d in docs if d.user_data["annotator"] == "alice")
    # Quote and Claim are not entities; Person and Location do not overlap.
    assert chars(alice.ents) == [
        ("Location", TEXTS[0].index("Madrid"), TEXTS[0].index("Madrid") + 6, "Madrid"),
        ("Person", 0, 9, "Ana Gómez"),
    ]


def test_overlapping_entities_are_counted_and_kept_in_the_group(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        ids = populate(db)
        with db.session() as s:
            repository.add_span(s, ids[0], "bob", "Organization", 0, 9)  # over bob's Person 0-3
        result = run_export(
            db,
            project,
            ExportRequest(
                format="spacy",
                target=tmp_path / "out.spacy",
                filter=ExportFilter(annotators=frozenset({"bob"})),
                span_group="all_spans",
            ),
        )
    finally:
        db.close()
    assert result.warnings == [
        "1 overlapping entity span(s) are in the span group 'all_spans' but not in doc.ents "
        "(the earliest, longest span wins)"
    ]
    first = next(d for d in load(tmp_path / "out.spacy") if d.text == TEXTS[0])
    assert chars(first.ents) == [("Organization", 0, 9, "Ana Gómez")]
    assert chars(first.spans["all_spans"]) == [
        ("Organization", 0, 9, "Ana Gómez"),
        ("Person", 0, 3, "Ana"),
    ]


@pytest.mark.parametrize(
    ("alignment", "expected", "warning"),
    [
        (
            "strict",
            [],
            "1 span(s) do not line up with spaCy's tokens and were left out (Location 1)",
        ),
        ("expand", [("Location", 54, 60, "Madrid")], "1 span(s) were moved to token boundaries"),
        ("contract", [], "1 span(s) do not line up with spaCy's tokens and were left out"),
    ],
)
def test_a_span_inside_a_token_is_counted_or_aligned(
    tmp_path: Path, alignment: str, expected: list[Any], warning: str
) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        ids = populate(db)
        start = TEXTS[0].index("Madrid")
        assert start == 54
        with db.session() as s:
            repository.add_span(s, ids[0], "carol", "Location", start, start + 3)  # "Mad"
        result = run_export(
            db,
            project,
            ExportRequest(
                format="spacy",
                target=tmp_path / "out.spacy",
                filter=ExportFilter(annotators=frozenset({"carol"})),
                alignment=alignment,
            ),
        )
    finally:
        db.close()
    assert len(result.warnings) == 1 and result.warnings[0].startswith(warning)
    (doc,) = load(tmp_path / "out.spacy")
    assert chars(doc.spans["sc"]) == expected
    assert result.spans == len(expected)


def test_spacy_training_corpus_reads_real_brat_data(tmp_path: Path) -> None:
    """The CoNLL-2002 brat files, through a Spanish pipeline, as spacy train reads them."""
    from spacy.training import Corpus

    corpus = FIXTURES / "brat" / "CoNLL-ST_2002" / "esp"
    project, db, report = import_into(tmp_path / "p", "brat", [corpus], as_name="conll")
    try:
        before = snapshot(db)
        result = run_export(
            db,
            project,
            ExportRequest(format="spacy", target=tmp_path / "es.spacy", spacy_language="es"),
        )
    finally:
        db.close()
    assert result.warnings == []
    assert result.spans == report.spans > 0
    nlp = spacy.blank("es")
    examples = list(Corpus(tmp_path / "es.spacy")(nlp))
    assert len(examples) == len(before)
    for example in examples:
        stored = before[example.reference.text]["layers"]["conll"][1]
        assert chars(example.reference.spans["sc"]) == [s[:4] for s in stored]
        assert chars(example.reference.ents) == [s[:4] for s in stored]  # no overlaps in CoNLL


def test_unknown_language_and_missing_spacy_are_clear_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, db = new_project(tmp_path / "p")
    target = tmp_path / "out.spacy"
    try:
        populate(db)
        with pytest.raises(InputProblem, match="--spacy-lang 'qq': no blank spaCy pipeline"):
            run_export(
                db, project, ExportRequest(format="spacy", target=target, spacy_language="qq")
            )
        monkeypatch.setitem(sys.modules, "spacy", None)  # as if it were not installed
        with pytest.raises(InputProblem, match=r"pip install 'annotator\[spacy\]'"):
            export_to(project, db, "spacy", target)
    finally:
        db.close()
    assert list(tmp_path.glob("*.spacy")) == []


def test_a_folder_target_is_shards_that_spacy_reads_as_one_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A target without .spacy is a folder of DocBins of a bounded size (the bounds
    made small here), each written as it fills; spaCy's Corpus reads them all."""
    from spacy.training import Corpus

    from annotator.io.formats import spacy_docbin

    monkeypatch.setattr(spacy_docbin, "SHARD_SPANS", 40)
    monkeypatch.setattr(spacy_docbin, "SHARD_DOCS", 3)
    corpus = FIXTURES / "brat" / "CoNLL-ST_2002" / "esp"
    project, db, report = import_into(tmp_path / "p", "brat", [corpus], as_name="conll")
    target = tmp_path / "es"
    try:
        before = snapshot(db)
        result = run_export(
            db, project, ExportRequest(format="spacy", target=target, spacy_language="es")
        )
    finally:
        db.close()
    assert result.warnings == []
    assert result.files == [target]
    assert result.spans == report.spans > 0
    shards = sorted(target.iterdir())
    assert len(shards) > 2
    assert [p.name for p in shards] == [f"part-{n:05d}.spacy" for n in range(1, len(shards) + 1)]
    for shard in shards:
        docs = load(shard, "es")
        assert 0 < len(docs) <= 3
        # A shard closes at the Doc that reaches the bound, so it holds at most
        # the bound plus that Doc's spans.
        assert sum(len(d.spans["sc"]) for d in docs[:-1]) < 40
    assert list(tmp_path.glob(".es.*")) == []  # no temporary folder left
    nlp = spacy.blank("es")
    examples = list(Corpus(target)(nlp))
    assert len(examples) == len(before)
    seen = 0
    for example in examples:
        stored = before[example.reference.text]["layers"]["conll"][1]
        assert chars(example.reference.spans["sc"]) == [s[:4] for s in stored]
        assert chars(example.reference.ents) == [s[:4] for s in stored]
        seen += len(stored)
    assert seen == report.spans


def test_a_large_single_file_is_written_whole_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.io.formats import spacy_docbin

    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        small = run_export(db, project, ExportRequest(format="spacy", target=tmp_path / "a.spacy"))
        monkeypatch.setattr(spacy_docbin, "SHARD_DOCS", 2)
        large = run_export(db, project, ExportRequest(format="spacy", target=tmp_path / "b.spacy"))
        (tmp_path / "c").mkdir()  # an existing empty folder is a folder target
        folder = run_export(db, project, ExportRequest(format="spacy", target=tmp_path / "c"))
        with pytest.raises(InputProblem, match="not an empty folder"):
            run_export(db, project, ExportRequest(format="spacy", target=tmp_path / "c"))
    finally:
        db.close()
    assert large.files == [tmp_path / "b.spacy"] and (tmp_path / "b.spacy").is_file()
    assert large.warnings[:-1] == small.warnings
    assert large.warnings[-1] == (
        "b.spacy holds 4 Docs and 9 spans, all in memory until written; for a large "
        "corpus give -o a folder (a name without .spacy): it gets shards of at most 2 Docs "
        "or 100,000 spans, each written as it fills, which spacy train reads as one corpus"
    )

    def contents(docs: list[Any]) -> list[Any]:
        return [(d.text, d.user_data, chars(d.spans["sc"]), chars(d.ents)) for d in docs]

    assert contents(load(tmp_path / "b.spacy")) == contents(load(tmp_path / "a.spacy"))
    assert folder.warnings == small.warnings
    shards = sorted((tmp_path / "c").iterdir())
    assert [p.name for p in shards] == ["part-00001.spacy", "part-00002.spacy"]
    assert contents([d for p in shards for d in load(p)]) == contents(load(tmp_path / "a.spacy"))
