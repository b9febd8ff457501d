"""brat standoff: the shared real files import without loss and export the same again."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.dataset import EntityDraft, ExportFilter
from annotator.core.pieces import normalise
from annotator.io.formats.api import ExportRequest, run_export, run_import
from annotator.io.formats.brat import parse_ann
from annotator.io.formats.common import SourceText
from annotator.io.formats.importing import ImportContext
from tests.io.split_cases import TEXT as SPLIT_CASE
from tests.io.test_formats_common import (
    export_to,
    import_into,
    new_project,
    populate,
    snapshot,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brat"
CONLL = FIXTURES / "CoNLL-ST_2002"
TUTORIAL = FIXTURES / "tutorial-news"
SPLIT_QUOTES = FIXTURES / "split-quotes"
"""Quotes split by their attribution, a speaker's mentions as one entity (written for these tests)."""


def canonical_ann(ann: str, text: str) -> set[tuple[Any, ...]]:
    """An .ann file's annotations with ids replaced by what they point at."""
    lines = [line.split("\t") for line in ann.splitlines() if line.strip()]
    t: dict[str, tuple[Any, ...]] = {}
    for parts in lines:
        if parts[0].startswith("T"):
            label, ranges = parts[1].split(" ", 1)
            pieces = tuple(tuple(map(int, piece.split())) for piece in ranges.split(";"))
            assert " ".join(text[start:end] for start, end in pieces) == parts[2], parts
            t[parts[0]] = ("T", label, pieces, parts[2])
    e: dict[str, tuple[Any, ...]] = {}
    for parts in lines:
        if parts[0].startswith("E"):
            trigger = parts[1].split()[0].split(":")[1]
            e[parts[0]] = ("E", t[trigger])
    refs: dict[str, tuple[Any, ...]] = {**t, **e}
    r: dict[str, tuple[Any, ...]] = {}
    for parts in lines:
        if parts[0].startswith("R"):
            rtype, a1, a2 = parts[1].split()
            r[parts[0]] = ("R", rtype, refs[a1.split(":")[1]], refs[a2.split(":")[1]])
    refs.update(r)
    out: set[tuple[Any, ...]] = set(t.values()) | set(r.values())
    for parts in lines:
        kind = parts[0][0]
        if kind == "E":
            args = parts[1].split()
            roles = tuple(sorted((a.split(":")[0], refs[a.split(":")[1]]) for a in args[1:]))
            out.add(("E", refs[parts[0]], roles))
        elif kind == "*":
            name, *members = parts[1].split()
            out.add(("*", name, frozenset(refs[m] for m in members)))
        elif kind == "A":
            bits = parts[1].split()
            out.add(("A", bits[0], refs[bits[1]], bits[2] if len(bits) > 2 else True))
        elif kind == "N":
            ntype, target, ref = parts[1].split()
            out.add(("N", ntype, refs[target], ref, parts[2]))
        elif kind == "#":
            _, target = parts[1].split()
            out.add(("#", refs[target], parts[2]))
    return out


def brat_docs(folder: Path) -> dict[str, set[tuple[Any, ...]]]:
    """Text -> canonical annotations for every document in a brat folder."""
    docs = {}
    for txt in sorted(folder.rglob("*.txt")):
        ann = txt.with_suffix(".ann")
        if not ann.exists():
            continue
        text = txt.read_text(encoding="utf-8")
        docs[text] = canonical_ann(ann.read_text(encoding="utf-8"), text)
    return docs


@pytest.mark.parametrize("corpus", [CONLL, TUTORIAL], ids=["conll2002", "tutorial"])
def test_real_brat_files_round_trip(tmp_path: Path, corpus: Path) -> None:
    """Import the shared brat files, export to brat again: the same annotations."""
    project, db, report = import_into(tmp_path / "p", "brat", [corpus], as_name="brat")
    try:
        assert report.problems == []
        original = brat_docs(corpus)
        spans = sum(1 for anns in original.values() for a in anns if a[0] == "T")
        assert report.spans == spans
        out = export_to(project, db, "brat", tmp_path / "out")
    finally:
        db.close()
    again = brat_docs(out)
    assert again == original
    assert (out / "annotation.conf").exists()


def test_conll_documents_keep_every_entity(tmp_path: Path) -> None:
    project, db, report = import_into(tmp_path / "p", "brat", [CONLL], as_name="conll")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    ann_lines = [
        line
        for ann in CONLL.rglob("*.ann")
        for line in ann.read_text(encoding="utf-8").splitlines()
        if line.startswith("T")
    ]
    stored = [s for doc in snap.values() for s in doc["layers"]["conll"][1]]
    assert len(stored) == len(ann_lines) == report.spans
    assert {s[0] for s in stored} == {"PER", "LOC", "ORG", "MISC"}
    assert set(project.schema.label_names) >= {"PER", "LOC", "ORG", "MISC"}


def test_tutorial_keeps_relations_attributes_and_notes(tmp_path: Path) -> None:
    from annotator.store.entities import list_entities, mention_counts

    _, db, report = import_into(tmp_path / "p", "brat", [TUTORIAL], as_name="tut")
    try:
        snap = snapshot(db)
        with db.session() as session:
            entities = list_entities(session)
            mentions = mention_counts(session)
    finally:
        db.close()
    # Two Alias equivalences and a Reference normalization: three entities.
    found = sorted((e.name, e.label, e.external_id, mentions[e.id][0]) for e in entities)
    assert found == [
        ("Carlos Salinas de Gortari", "Person", "Wikipedia:64488", 1),
        ("Joanne Rowling", "Person", "", 3),
        ("Terry Pratchett", "Person", "", 2),
    ]
    spans = [s for doc in snap.values() for lay in doc["layers"].values() for s in lay[1]]
    relations = [r for doc in snap.values() for lay in doc["layers"].values() for r in lay[2]]
    notes = {s[5] for s in spans if s[5]}
    assert "Should fictional places be annotated?" in notes
    assert "100000000 USD" in notes
    attributes = {a for s in spans for a in s[4]}
    assert ("Mention", "'Name'") in attributes
    assert ("Individual", "True") in attributes
    assert ("Confidence", "'High'") in attributes
    types = {r[0] for r in relations}
    assert {"Family", "Located", "Employment", "Origin", "Org-Arg"} <= types
    assert any(a[0] == "brat:notes" for s in spans for a in s[4])  # the note on R1
    assert report.relations == len(relations)


def test_zip_export_and_import(tmp_path: Path) -> None:
    project, db, _ = import_into(tmp_path / "p", "brat", [TUTORIAL], as_name="tut")
    try:
        archive = export_to(project, db, "brat", tmp_path / "out.zip")
    finally:
        db.close()
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
    assert "annotation.conf" in names and any(n.endswith(".ann") for n in names)
    _, db2, report = import_into(tmp_path / "q", "brat", [archive], as_name="tut")
    try:
        assert report.problems == []
        assert report.relations > 0
    finally:
        db2.close()


def test_project_round_trip_through_brat(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        out = export_to(
            project,
            db,
            "brat",
            tmp_path / "out",
            filter=ExportFilter(annotators=frozenset({"alice"})),
        )
    finally:
        db.close()
    _, db2, report = import_into(tmp_path / "q", "brat", [out], as_name="alice")
    try:
        after = snapshot(db2)
    finally:
        db2.close()
    assert report.problems == []
    for text, doc in after.items():
        want = before[text]["layers"]["alice"]
        got = doc["layers"]["alice"]
        assert got[1] == want[1] and got[2] == want[2]


def test_bad_lines_are_refused_and_the_rest_goes_in(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    text = "Alice met Bob in Paris.\r\nThen she left."
    (folder / "a.txt").write_bytes(text.encode("utf-8"))
    (folder / "a.ann").write_text(
        "T1\tPER 0 5\tAlice\n"
        "T2\tPER 10 13\tBob\n"
        "T3\tLOC 17 22\tParee\n"  # wrong surface
        "T4\tPER 30 99\tx\n"  # outside the text
        "T5\tPER 0 2;4 5\tAl i\n"  # discontinuous, text not the pieces'"
        "T6\tPER 25 29\tThen\n"  # after the CRLF: raw offsets
        "R1\tKnows Arg1:T1 Arg2:T2\t\n"
        "R2\tIn Arg1:T2 Arg2:T3\t\n"  # T3 was refused
        "X1\tsomething\n",
        encoding="utf-8",
    )
    _, db, report = import_into(tmp_path / "p", "brat", [folder], as_name="a")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    lines = sorted(p.line or 0 for p in report.problems)
    assert lines == [3, 4, 5, 8, 9]
    messages = " ".join(str(p) for p in report.problems)
    assert "does not match" in messages and "outside" in messages
    assert "document's pieces ('Al e')" in messages
    stored = snap[text.replace("\r\n", "\n")]["layers"]["a"]
    assert [s[:4] for s in stored[1]] == [
        ("PER", 0, 5, "Alice"),
        ("PER", 10, 13, "Bob"),
        ("PER", 24, 28, "Then"),
    ]
    assert stored[2] == [("Knows", ("PER", 0, 5), ("PER", 10, 13))]


def test_brat_import_needs_an_annotator(tmp_path: Path) -> None:
    from annotator.io.errors import InputProblem

    project, db = new_project(tmp_path / "p")
    try:
        with pytest.raises(InputProblem, match="--as"):
            run_import(project, db, "brat", [TUTORIAL], ImportContext())
    finally:
        db.close()


def test_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    from annotator.io.errors import InputProblem

    project, db = new_project(tmp_path / "p")
    target = tmp_path / "out"
    target.mkdir()
    (target / "mine.txt").write_text("keep")
    try:
        populate(db)
        with pytest.raises(InputProblem, match="not an empty folder"):
            run_export(db, project, ExportRequest(format="brat", target=target))
    finally:
        db.close()
    assert (target / "mine.txt").read_text() == "keep"


_ANN_LINES = [
    "T1\tPER 0 5\tAlice",
    "T2\tLOC 10 15\tParis",
    "T3\tPER 0 99\tx",
    "T4\tEV 6 9\tmet",
    "T1\tPER 0 5\tdup",
    "E1\tEV:T4 Agent:T1 Place:T2",
    "E2\tEV:T9 Agent:T1",
    "E3\tEV:T4 Arg:E1",
    "R1\tIn Arg1:T1 Arg2:T2\t",
    "R2\tIn Arg1:T1\t",
    "R3\tIn Arg1:E1 Arg2:T7\t",
    "*\tAlias T1 T2",
    "*\tAlias",
    "A1\tNeg E1",
    "A2\tMention T2 Name",
    "A3\tBad R1",
    "A4",
    "N1\tRef T1 Wiki:1\tAlice A.",
    "N2\tRef T1",
    "#1\tAnnotatorNotes T1\tnote",
    "#2\tAnnotatorNotes R1\trel note",
    "#3\tAnnotatorNotes X9\tnothing",
    "Q1\tstrange",
    "T5\tPER 2 1\tbackwards",
    "T6\tPER a b\tnumbers",
    "T7\tPER 0 2;6 9\tAl met",
    "T8\tPER 0 5;2 9\tAlice lice met",
    "T9\tPER 6 9;0 2;2 3\tmet Al i",
    "*\tEquiv T2 T7",
    "N3\tReference T2 Wiki:2\tParis",
    "N4\tReference T7 Wiki:3\tAl",
    "",
]


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.sampled_from(_ANN_LINES), max_size=12))
def test_odd_ann_files_are_refused_line_by_line_never_crash(lines: list[str]) -> None:
    text = "Alice met in Paris today."
    layer, entities, problems = parse_ann("\n".join(lines), SourceText(text), "a", "x.ann")
    for span in layer.spans:
        assert 0 <= span.start < span.end <= len(text)
        if span.fragments is not None:
            assert span.fragments == normalise(span.fragments) and len(span.fragments) > 1
            assert (span.fragments[0][0], span.fragments[-1][1]) == (span.start, span.end)
    keys = [e.key for e in entities]
    assert len(set(keys)) == len(keys)
    assert {s.entity for s in layer.spans if s.entity is not None} == set(keys)
    for rel in layer.relations:
        assert 0 <= rel.source < len(layer.spans) and 0 <= rel.target < len(layer.spans)
    assert all(p.line is None or 1 <= p.line <= len(lines) for p in problems)


def test_several_annotators_get_a_folder_each(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        out = export_to(project, db, "brat", tmp_path / "out")
    finally:
        db.close()
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["alice", "bob", "gold"]
    assert (out / "annotation.conf").exists() and (out / "alice" / "annotation.conf").exists()
    # The document nobody annotated is written once, at the top.
    assert [p.name for p in out.glob("*.txt")] == ["2.txt"]
    conf = (out / "annotation.conf").read_text()
    assert "speaker\tArg1:Quote, Arg2:Organization|Person" in conf
    assert "[entities]" in conf and "Person" in conf


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_random_layers_survive_ann_lines_and_back(data: st.DataObject) -> None:
    """Random text (emoji, combining marks, line breaks) and spans: .ann out, parsed back."""
    from annotator.core.dataset import Layer, SpanRow
    from annotator.io.formats.brat import ann_lines
    from tests.io.test_formats_common import PIECES

    pieces = [p for p in PIECES if "\r" not in p]
    text = "".join(data.draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=30)))
    spans: list[SpanRow] = []
    for n in range(data.draw(st.integers(0, 5))):
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start + 1, len(text)))
        spans.append(
            SpanRow(
                id=n + 1, start=start, end=end, text=text[start:end],
                label=data.draw(st.sampled_from(["PER", "LOC", "Quote"])),
                attributes=data.draw(st.sampled_from([{}, {"Mention": "Name"}, {"Neg": True}])),
                note=data.draw(st.sampled_from(["", "a note", "two words"])),
                created_at="", updated_at="", version=1,
            )
        )  # fmt: skip
    relations = []
    # Not between two copies of one span: every import refuses that link.
    if len(spans) >= 2 and [spans[0][k] for k in ("label", "start", "end")] != [
        spans[1][k] for k in ("label", "start", "end")
    ]:
        relations.append({"id": 1, "type": "Rel", "source_id": 1, "target_id": 2, "created_at": ""})
    layer = Layer(
        "a", spans=sorted(spans, key=lambda s: (s["start"], s["end"])), relations=relations
    )  # type: ignore[arg-type]
    ann = "\n".join(ann_lines(layer, text))
    parsed, _entities, problems = parse_ann(ann, SourceText(text), "a", "x.ann")
    assert problems == []
    got = sorted(
        (s.label, s.start, s.end, tuple(sorted(s.attributes.items())), s.note) for s in parsed.spans
    )
    want = sorted(
        (s["label"], s["start"], s["end"], tuple(sorted(s["attributes"].items())), s["note"])
        for s in spans
    )
    assert got == want
    assert len(parsed.relations) == len(relations)


# --- split spans and entities (issue 15) ---------------------------------------------

SPLIT_TEXT = SPLIT_CASE + " The Secretary smiled."


def parsed(ann: str) -> tuple[Any, list[Any], list[str]]:
    layer, entities, problems = parse_ann(ann, SourceText(SPLIT_TEXT), "a", "x.ann")
    return layer, entities, [str(p) for p in problems]


def test_a_discontinuous_span_is_one_span_in_pieces() -> None:
    layer, _, problems = parsed(
        "T1\tQuote 1 12;30 38\tWe will win and soon\n"
        "T2\tQuote 30 38;1 12\tand soon We will win\n"  # pieces in any order
        "T3\tQuote 1 5;5 12\tWe w ill win\n"  # pieces that touch are one
        "T4\tQuote 1 12;30 38\tWe will win … and soon\n"  # brat joins with a space
    )
    assert [(s.start, s.end, s.fragments) for s in layer.spans] == [
        (1, 38, ((1, 12), (30, 38))),
        (1, 38, ((1, 12), (30, 38))),
        (1, 12, None),
    ]
    assert problems == [
        "x.ann:4: T4: span 1-38 Quote: text 'We will win … and soon' does not match "
        "the document's pieces ('We will win and soon')"
    ]


def test_equivalences_and_references_make_entities() -> None:
    secretary = SPLIT_TEXT.index("The Secretary")
    layer, entities, problems = parsed(
        "T1\tPerson 15 22\tBlinken\n"
        "T2\tPerson 41 48\tBlinken\n"
        f"T3\tPerson {secretary} {secretary + 13}\tThe Secretary\n"
        "T4\tQuote 1 12\tWe will win\n"
        "*\tAlias T2 T3\n"
        "*\tEquiv T1 T2\n"  # shares T2: one entity with T1, T2, T3
        "N1\tReference T3 Wikidata:Q4775530\tAntony Blinken\n"
        "N2\tReference T3 Wikipedia:1\tOther\n"  # a second reference stays on the span
        "N3\tReference T4 Wikidata:Q1\tA quote\n"  # no equivalence: an entity of its own
        "N4\tGloss T1 Dict:1\tnot an entity reference\n"
    )
    assert problems == []
    assert entities == [
        EntityDraft("x.ann#T1", "Antony Blinken", "Person", "Wikidata:Q4775530"),
        EntityDraft("x.ann#T4", "A quote", "Quote", "Wikidata:Q1"),
    ]
    assert [s.entity for s in layer.spans] == ["x.ann#T1"] * 3 + ["x.ann#T4"]
    assert layer.spans[2].attributes == {"brat:N": [["Reference", "Wikipedia:1", "Other"]]}
    assert layer.spans[0].attributes == {"brat:N": [["Gloss", "Dict:1", "not an entity reference"]]}
    assert layer.relations == []


def test_an_entity_without_a_reference_is_named_after_its_first_mention() -> None:
    _, entities, _ = parsed(
        "T1\tPerson 41 48\tBlinken\nT2\tPerson 15 22\tBlinken\n*\tAlias T2 T1\n"
    )
    assert entities == [EntityDraft("x.ann#T1", "Blinken", "Person")]


def test_split_spans_and_entities_are_written_as_brat_writes_them() -> None:
    from annotator.io.formats.brat import ann_lines
    from tests.io.split_cases import ENTITY, TEXT, layer

    lines = ann_lines(layer(), TEXT, entities={ENTITY["id"]: ENTITY})
    assert lines[0] == "T1\tQuote 1 12;30 38\tWe will win and soon"
    assert "*\tAlias T2 T3" in lines
    assert "N1\tReference T2 Q4775530\tAntony Blinken" in lines
    back, entities, problems = parse_ann("\n".join(lines), SourceText(TEXT), "a", "x.ann")
    assert problems == []
    assert back.spans[0].fragments == ((1, 12), (30, 38))
    assert entities == [EntityDraft("x.ann#T2", "Antony Blinken", "Person", "Q4775530")]
    assert [s.entity for s in back.spans] == [None, "x.ann#T2", "x.ann#T2", None]


def test_a_lone_mention_without_external_id_is_counted_as_not_written(tmp_path: Path) -> None:
    from annotator.io.formats import brat
    from annotator.io.formats.common import ExportContext
    from tests.io.split_cases import ENTITY, document, layer
    from tests.io.test_formats_quotes import news

    one = layer()
    one.spans = one.spans[:2]  # the quote and one mention
    anonymous = dict(ENTITY, external_id="")
    doc = document(one)
    doc.entities = [anonymous]  # type: ignore[list-item]
    ctx = ExportContext(news())
    brat.export([doc], tmp_path / "out", ctx, per_annotator=False)
    ann = (tmp_path / "out" / "visit.ann").read_text(encoding="utf-8")
    assert "*\t" not in ann and "\nN" not in ann
    flat = ctx.flattened
    assert (flat.split_spans, flat.entity_links, flat.document_labels) == (0, 1, 1)


def test_split_quotes_and_entities_round_trip_through_the_command_line(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`annotator import --format brat`, then `annotator export --format brat`: the
    same .ann lines (ids aside), split spans, equivalence and references too."""
    from annotator.cli.app import main
    from annotator.io.project import load_project
    from annotator.store.entities import list_entities, mention_counts

    code = main(["import", str(project_dir), str(SPLIT_QUOTES), "--format", "brat", "--as", "ana"])
    out, err = capsys.readouterr()
    assert code == 0, err
    out_dir = tmp_path / "out"
    code = main(["export", str(project_dir), "-o", str(out_dir), "--format", "brat"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Exported 1 document(s), 8 span(s), 2 relation(s)" in out
    assert brat_docs(out_dir) == brat_docs(SPLIT_QUOTES)
    db = load_project(project_dir).open_database()
    try:
        with db.session() as session:
            mentions = mention_counts(session)
            entities = sorted(
                (e.name, e.label, e.external_id, mentions[e.id]) for e in list_entities(session)
            )
    finally:
        db.close()
    assert entities == [
        ("Antony Blinken", "Person", "Wikidata:Q4775530", (4, 1)),
        ("Astana", "Location", "Wikidata:Q1520", (1, 1)),
    ]


def test_one_reference_in_two_articles_is_one_entity(tmp_path: Path) -> None:
    from annotator.store.entities import list_entities, mention_counts

    folder = tmp_path / "in"
    folder.mkdir()
    for name, text, start in (("a", "Blinken spoke.", 0), ("b", "Then Blinken left.", 5)):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        (folder / f"{name}.ann").write_text(
            f"T1\tPerson {start} {start + 7}\tBlinken\n"
            "N1\tReference T1 Wikidata:Q4775530\tAntony Blinken\n",
            encoding="utf-8",
        )
    _, db, report = import_into(tmp_path / "p", "brat", [folder], as_name="ana")
    try:
        with db.session() as session:
            (entity,) = list_entities(session)
            assert mention_counts(session)[entity.id] == (2, 2)
    finally:
        db.close()
    assert (entity.name, entity.external_id, report.entities) == (
        "Antony Blinken",
        "Wikidata:Q4775530",
        1,
    )


# --- a refused line changes nothing, and says which line it is -----------------------

TEXT_ANA = "Ana said hello to Bob today."
BASE_ANN = (
    "T1\tPerson 0 3\tAna\n"
    "T2\tPerson 18 21\tBob\n"
    "T3\tSay 4 8\tsaid\n"
    "R1\tKnows Arg1:T1 Arg2:T2\t\n"
    "E1\tSay:T3 Agent:T1 Topic:T2\n"
)


def _layer_state(ann: str) -> tuple[Any, ...]:
    layer, entities, problems = parse_ann(ann, SourceText(TEXT_ANA), "a", "doc.ann")
    return layer.spans, layer.relations, entities, [(p.line, str(p)) for p in problems]


@pytest.mark.parametrize(
    "bad_line",
    [
        "*\tAlias T1 T2 T404",
        "*\tAlias T1 T2 R1",
        "R2\tKnows Arg1:T1 Arg2:T404\t",
        "R2\tKnows Arg1:T1 Arg2:T1\t",  # a span to itself
        "E2\tSay:T3 Agent:T1",  # its trigger serves E1
        "E2\tSay:T2 Agent:T1 Topic:T404",
        "E2\tSay:T2 Agent:T1 Topic:T2",  # its trigger as its own argument
        "E2\tSay:T2 Agent:T1 Topic:R1",
        "E2\tSay:T2 Agent:T1 Topic",
        "A1\tNegated T404",
        "A1\tMention T1 Name extra",
        "M1\tNegated R1",
        "N1\tReference T404 Wiki:1\tAna",
        "N1\tReference T1\tAna",
        "#1\tAnnotatorNotes T404\tnote",
        "#1\tAnnotatorNotes T1 T2\tnote",
    ],
)
def test_a_refused_line_changes_nothing(bad_line: str) -> None:
    spans, relations, entities, problems = _layer_state(BASE_ANN)
    assert problems == []
    got_spans, got_relations, got_entities, got_problems = _layer_state(BASE_ANN + bad_line + "\n")
    assert (got_spans, got_relations, got_entities) == (spans, relations, entities)
    assert [line for line, _ in got_problems] == [6]
    assert got_problems[0][1].startswith(f"doc.ann:6: {bad_line.split(chr(9))[0]}: ")


def test_lines_that_point_at_a_refused_event_are_refused_too() -> None:
    spans, relations, entities, _ = _layer_state(BASE_ANN)
    ann = (
        BASE_ANN
        + "E2\tSay:T2 Agent:T1 Topic:T404\n"  # refused
        + "E3\tSay:T1 Topic:E2\n"  # names E2: refused with it
        + "A1\tNegated E2\n"
        + "#1\tAnnotatorNotes E3\tnote\n"
        + "R2\tKnows Arg1:E3 Arg2:T2\t\n"
        + "#2\tAnnotatorNotes R2\trelation note\n"
    )
    got_spans, got_relations, got_entities, problems = _layer_state(ann)
    assert (got_spans, got_relations, got_entities) == (spans, relations, entities)
    assert [line for line, _ in problems] == [6, 7, 8, 9, 10, 11]
    assert problems[1][1] == "doc.ann:7: E3: E2 was refused"


def test_events_may_name_each_other() -> None:
    ann = BASE_ANN + "E2\tSay:T2 Agent:T1 Topic:E3\nE3\tSay:T1 Topic:E2\n"
    spans, relations, _, problems = _layer_state(ann)
    assert problems == []
    assert [s.attributes for s in spans] == [{"brat:event": True}] * 3
    assert [(r.type, r.source, r.target) for r in relations[2:]] == [
        ("Agent", 1, 0),
        ("Topic", 1, 0),  # E3's trigger is T1
        ("Topic", 0, 1),
        ("Knows", 0, 1),
    ]


def test_a_refused_equivalence_makes_no_entity(tmp_path: Path) -> None:
    from annotator.store.entities import list_entities

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Ana Diaz met Bob Lee.", encoding="utf-8")
    (folder / "a.ann").write_text(
        "T1\tPerson 0 8\tAna Diaz\nT2\tPerson 13 20\tBob Lee\n*\tAlias T1 T2 T404\n",
        encoding="utf-8",
    )
    _, db, report = import_into(tmp_path / "p", "brat", [folder], as_name="q")
    try:
        with db.session() as session:
            entities = list_entities(session)
    finally:
        db.close()
    assert [str(p) for p in report.problems] == [f"{folder / 'a.ann'}:3: *: T404 does not exist"]
    assert (report.spans, report.entities, entities, report.exit_code) == (2, 0, [], 1)


def test_a_relation_the_schema_refuses_names_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Ana met Bob in Rome.", encoding="utf-8")
    (folder / "a.ann").write_text(
        "T1\tPerson 0 3\tAna\n"
        "T2\tLocation 15 19\tRome\n"
        "R1\tspeaker Arg1:T1 Arg2:T2\t\n"
        "#1\tAnnotatorNotes R1\ta note on the refused relation\n"
        "T3\tQuote 8 11\tBob\n"
        "E1\tQuote:T3 speaker:T2\n",  # an event argument the schema refuses
        encoding="utf-8",
    )
    _, db, report = import_into(tmp_path / "p", "brat", [folder], as_name="q")
    try:
        stored = snapshot(db)["Ana met Bob in Rome."]["layers"]["q"]
    finally:
        db.close()
    ann = folder / "a.ann"
    assert [str(p) for p in report.problems] == [
        f"{ann}:3: R1: speaker from Person 0-3 to Location 15-19: the schema allows speaker "
        "only from Quote to Person/Organization",
        f"{ann}:4: #1: R1 was refused",
        f"{ann}:6: E1: speaker from Quote 8-11 to Location 15-19: the schema allows speaker "
        "only from Quote to Person/Organization",
    ]
    assert stored[2] == []
    assert all(s[4] == () and s[5] == "" for s in stored[1])  # no event mark, no note


# --- a .txt without its .ann, and an .ann without its .txt ---------------------------


def _odd_pairs(folder: Path) -> None:
    folder.mkdir()
    (folder / "a.txt").write_text("Ana met Bob.", encoding="utf-8")
    (folder / "a.ann").write_text("T1\tPerson 0 3\tAna\n", encoding="utf-8")
    (folder / "lonely.txt").write_text("Nobody annotated this.", encoding="utf-8")
    (folder / "orphan.ann").write_text("T1\tPerson 0 3\tAna\n", encoding="utf-8")
    (folder / "bionlp.txt").write_text("Ana met Bob.", encoding="utf-8")
    (folder / "bionlp.a1").write_text("T1\tPerson 0 3\tAna\n", encoding="utf-8")


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_files_without_their_partner_are_named(tmp_path: Path, packed: bool) -> None:
    folder = tmp_path / "in"
    _odd_pairs(folder)
    where = str(folder)
    if packed:
        archive = tmp_path / "in.zip"
        with zipfile.ZipFile(archive, "w") as z:
            for path in sorted(folder.iterdir()):
                z.write(path, path.name)
        folder, where = archive, f"{archive}!"
    else:
        where += "/"
    _, db, report = import_into(tmp_path / "p", "brat", [folder], as_name="q")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert sorted(snap) == ["Ana met Bob.", "Nobody annotated this."]
    assert snap["Nobody annotated this."]["layers"] == {}
    assert report.notices == [
        f"{where}lonely.txt: no lonely.ann beside it: imported without annotations, "
        "as brat shows it"
    ]
    assert [str(p) for p in report.problems] == [
        f"{where}bionlp.a1: brat's .a1/.a2/.co/.rel files are not read; join them into "
        "bionlp.ann: bionlp.txt not imported",
        f"{where}orphan.ann: no orphan.txt beside it: no text to annotate; not imported",
    ]
    assert (report.records, report.exit_code) == (2, 1)


def test_a_folder_of_texts_without_any_ann_is_not_brat(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Just a text.", encoding="utf-8")
    _, db, report = import_into(tmp_path / "p", "brat", [folder], as_name="q")
    db.close()
    assert [str(p) for p in report.problems] == [
        f"{folder}: no brat documents here: no .ann files (texts without annotations are "
        "imported without --format)"
    ]
    assert report.exit_code == 2


def test_one_file_named_without_its_partner(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _odd_pairs(folder)
    paths = [folder / "lonely.txt", folder / "orphan.ann"]
    _, db, report = import_into(tmp_path / "p", "brat", paths, as_name="q")
    db.close()
    assert report.notices == [
        f"{folder / 'lonely.txt'}: no lonely.ann beside it: imported without annotations, "
        "as brat shows it"
    ]
    assert [str(p) for p in report.problems] == [
        f"{folder / 'orphan.ann'}: no orphan.txt beside it: no text to annotate; not imported"
    ]
    assert (report.records, report.exit_code) == (1, 1)


# --- a text that starts with U+FEFF ---------------------------------------------------

BOM_TEXT = "\ufeffAna Diaz spoke."


def test_a_text_starting_with_u_feff_round_trips(tmp_path: Path) -> None:
    from annotator.core.model import DocumentDraft
    from annotator.io.importer import import_drafts
    from annotator.store import repository

    project, db = new_project(tmp_path / "p")
    try:
        (doc_id,) = import_drafts(db, [DocumentDraft(text=BOM_TEXT, title="t")], "test").added
        with db.session() as s:
            repository.add_span(s, doc_id, "ana", "Person", 1, 9)
        out = export_to(project, db, "brat", tmp_path / "out")
    finally:
        db.close()
    (txt,) = out.glob("*.txt")
    # As brat reads it (UTF-8, the mark a character), the offsets point at the name.
    assert txt.read_bytes().decode("utf-8") == BOM_TEXT
    assert "T1\tPerson 1 9\tAna Diaz" in txt.with_suffix(".ann").read_text(encoding="utf-8")
    _, db2, report = import_into(tmp_path / "q", "brat", [out], as_name="ana")
    try:
        snap = snapshot(db2)
    finally:
        db2.close()
    assert (report.problems, report.notices) == ([], [])
    assert [s[:4] for s in snap[BOM_TEXT]["layers"]["ana"][1]] == [("Person", 1, 9, "Ana Diaz")]


def test_a_byte_order_mark_the_offsets_do_not_count_is_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"\xef\xbb\xbfAna Diaz spoke.")
    (folder / "a.ann").write_text("T1\tPerson 0 8\tAna Diaz\n", encoding="utf-8")
    _, db, report = import_into(tmp_path / "p", "brat", [folder], as_name="ana")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert report.problems == []
    assert report.notices == [
        f"{folder / 'a.txt'}: the byte-order mark at its start is left out: the .ann's "
        "offsets do not count it"
    ]
    assert [s[:4] for s in snap["Ana Diaz spoke."]["layers"]["ana"][1]] == [
        ("Person", 0, 8, "Ana Diaz")
    ]


# --- notes brat cannot hold in one line ----------------------------------------------


def test_a_note_in_several_lines_is_several_note_lines_and_comes_back() -> None:
    from annotator.io.formats.brat import ann_lines
    from tests.io.split_cases import SPEAKER, TEXT, layer

    one = layer()
    one.spans[0]["note"] = "multi\nline note\n\nend"
    one.spans[0]["attributes"]["brat:notes"] = [["speaker", *SPEAKER, "first\nsecond"]]
    lines = ann_lines(one, TEXT)
    assert [line for line in lines if line.startswith("#")] == [
        "#1\tAnnotatorNotes T1\tmulti",
        "#2\tAnnotatorNotes T1\tline note",
        "#3\tAnnotatorNotes T1\t",
        "#4\tAnnotatorNotes T1\tend",
        "#5\tAnnotatorNotes R1\tfirst",
        "#6\tAnnotatorNotes R1\tsecond",
    ]
    back, _, problems = parse_ann("\n".join(lines), SourceText(TEXT), "a", "x.ann")
    assert problems == []
    assert back.spans[0].note == "multi\nline note\n\nend"
    assert back.spans[0].attributes["brat:notes"] == [["speaker", *SPEAKER, "first\nsecond"]]


def test_notes_brat_cannot_hold_are_named_in_the_summary(tmp_path: Path) -> None:
    from annotator.core.model import DocumentDraft
    from annotator.io.importer import import_drafts
    from annotator.store import repository

    text = "Ana met Bob in Rome."
    project, db = new_project(tmp_path / "p")
    try:
        (doc_id,) = import_drafts(db, [DocumentDraft(text=text, title="t")], "test").added
        with db.session() as s:
            repository.add_span(s, doc_id, "ana", "Person", 0, 3, note="multi\nline note")
            repository.add_span(s, doc_id, "ana", "Person", 8, 11, note="a\ttab")
            repository.add_span(s, doc_id, "ana", "Location", 15, 19, note="odd\u2028break")
        out = tmp_path / "out"
        result = run_export(db, project, ExportRequest(format="brat", target=out))
    finally:
        db.close()
    assert result.warnings == [
        "2 note(s) hold tabs or line breaks other than a newline, which a brat note cannot; "
        "written as spaces"
    ]
    (ann,) = out.glob("*.ann")
    assert ann.read_text(encoding="utf-8").splitlines()[3:] == [
        "#1\tAnnotatorNotes T1\tmulti",
        "#2\tAnnotatorNotes T1\tline note",
        "#3\tAnnotatorNotes T2\ta tab",
        "#4\tAnnotatorNotes T3\todd break",
    ]
    _, db2, _ = import_into(tmp_path / "q", "brat", [out], as_name="ana")
    try:
        notes = {s[3]: s[5] for s in snapshot(db2)[text]["layers"]["ana"][1]}
    finally:
        db2.close()
    assert notes == {"Ana": "multi\nline note", "Bob": "a tab", "Rome": "odd break"}
