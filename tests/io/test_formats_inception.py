"""INCEpTION's formats, UIMA CAS XMI (through dkpro-cassis) and WebAnno TSV 3:
real files from INCEpTION and from the shared corpora go in, and projects go
out and back with every span and relation where it was.

One module (over 500 lines) for both formats: they share the layout, the
layers and the fixtures, and most tests run the same case through each.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import cassis
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from annotator.core.dataset import AnnotatedDraft
from annotator.core.model import DocumentDraft
from annotator.io.errors import InputProblem
from annotator.io.formats import webanno_tsv
from annotator.io.formats.api import ExportRequest, run_export, run_import
from annotator.io.formats.importing import ImportContext
from annotator.io.formats.webanno_tsv import escape_value, split_stacked, unescape_value
from annotator.io.importer import import_drafts
from annotator.io.project import Project, load_project
from annotator.store import repository
from annotator.store.db import Database
from tests.io.test_formats_common import export_to, import_into, new_project, populate, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INCEPTION = FIXTURES / "inception"
BRAT = FIXTURES / "brat"
DOCCANO = FIXTURES / "doccano"
FORMATS = ["xmi", "webanno-tsv"]
NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"

TRICKY = [
    # flags (two regional indicators), a skin tone, a ZWJ family: several UTF-16 pairs each
    "Flags 🇫🇷🇩🇪 and 👍🏽 and 👩\u200d👩\u200d👧 before Ana Gómez spoke.\nSecond line\twith a tab.",
    # a combining accent (two code points), blank lines between sentences
    'Crème brûlée for e\u0301mile Zola, who said "never".\n\n\nAfter the blank lines Bob spoke.',
    # a line break at the very end (a CRLF in a file is stored as LF: see the INCEpTION XMI)
    "Windows\nline ends\nread by Ana 😀 twice.\n",
    # TSV's special characters in the text
    r"Back\slash | pipe _ under * star [1] brackets -> arrow ; semi by Zoë.",
]


def layers(db: Database) -> dict[str, dict[str, Any]]:
    """Text -> annotator -> (spans as label, start, end, text; relations): what these
    formats carry (no attributes or notes)."""
    return {
        text: {
            name: (sorted(s[:4] for s in layer[1]), layer[2])
            for name, layer in doc["layers"].items()
        }
        for text, doc in snapshot(db).items()
    }


def tricky_project(folder: Path) -> tuple[Project, Database]:
    project, db = new_project(folder)
    drafts = [
        DocumentDraft(text=t, title=f"T{i}", source=f"t{i}.txt") for i, t in enumerate(TRICKY)
    ]
    ids = import_drafts(db, drafts, "t").added

    def span(doc: int, text: str, who: str, label: str, word: str, extra: int = 0) -> Any:
        start = text.index(word)
        with db.session() as s:
            return repository.add_span(s, doc, who, label, start, start + len(word) + extra)

    t0, t1, t2, t3 = TRICKY
    a = span(ids[0], t0, "alice", "Person", "Ana Gómez")
    span(ids[0], t0, "alice", "Location", "🇫🇷")
    span(ids[0], t0, "alice", "Location", "🇫🇷🇩🇪")  # stacked over the first
    span(ids[0], t0, "alice", "Person", "👩\u200d👩\u200d👧")
    q = span(ids[0], t0, "alice", "Quote", "and 👍🏽 and", extra=1)  # ends in a space
    with db.session() as s:
        repository.add_relation(s, "alice", "speaker", q.id, a.id)
    span(ids[0], t0, "bob", "Person", "Ana")
    span(ids[0], t0, "bob", "Claim", "Second line\twith a tab.")
    p = span(ids[1], t1, "alice", "Person", "e\u0301mile Zola")
    q = span(ids[1], t1, "alice", "Quote", '"never"')
    with db.session() as s:
        repository.add_relation(s, "alice", "speaker", q.id, p.id)
    span(ids[1], t1, "alice", "Person", "Bob")
    span(ids[1], t1, "alice", "Claim", "Zola, who said")  # overlaps the Person
    span(ids[2], t2, "alice", "Person", "Ana 😀")
    span(ids[2], t2, "alice", "Claim", "line ends\nread")  # across a line break
    span(ids[3], t3, "alice", "Person", "Zoë")
    span(ids[3], t3, "alice", "Claim", r"| pipe _ under * star [1]")
    return project, db


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("target", ["out", "out.zip"])
def test_tricky_texts_round_trip(tmp_path: Path, fmt: str, target: str) -> None:
    """Emoji, flags, ZWJ sequences, combining marks, CRLF, tabs, TSV's special
    characters, stacked and multi-token spans, a span ending in a space, relations:
    export, import into a new project, and every span and relation is where it was;
    exported again, the files are the same."""
    project, db = tricky_project(tmp_path / "p")
    try:
        before = layers(db)
        out = export_to(project, db, fmt, tmp_path / target)
    finally:
        db.close()
    project2, db2, report = import_into(tmp_path / "q", fmt, [out])
    try:
        assert report.problems == []
        assert layers(db2) == before
        again = export_to(project2, db2, fmt, tmp_path / f"again-{target}")
    finally:
        db2.close()
    assert _files(again) == _files(out)


def _files(path: Path) -> dict[str, bytes]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist()}
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


def test_xmi_export_loads_in_cassis_with_its_type_system(tmp_path: Path) -> None:
    """dkpro-cassis reads each exported XMI with the TypeSystem.xml beside it; its
    named entities, custom spans and links are the project's, at the same text."""
    project, db = tricky_project(tmp_path / "p")
    try:
        expected = layers(db)
        out = export_to(project, db, "xmi", tmp_path / "out")
    finally:
        db.close()
    seen = 0
    for xmi in sorted(out.rglob("*.xmi")):
        ts = cassis.load_typesystem((xmi.parent / "TypeSystem.xml").read_bytes().decode())
        cas = cassis.load_cas_from_xmi(xmi.read_text(encoding="utf-8"), typesystem=ts)
        spans = sorted(
            (
                fs.value if fs.type.name == NAMED_ENTITY else fs.label,
                fs.begin,
                fs.end,
                fs.get_covered_text(),
            )
            for fs in cas.select_all_annotations()
            if fs.type.name in (NAMED_ENTITY, "webanno.custom.Span")
        )
        links = sorted(
            (fs.label, fs.Governor.get_covered_text(), fs.Dependent.get_covered_text())
            for fs in cas.select("webanno.custom.Link")
        )
        stored_spans, stored_links = expected[cas.sofa_string][xmi.stem]
        assert spans == stored_spans
        assert links == sorted(
            (r[0], r[1][0] and _text(stored_spans, r[1]), _text(stored_spans, r[2]))
            for r in stored_links
        )
        tokens = cas.select("de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token")
        edges = {t.begin for t in tokens} | {t.end for t in tokens}
        assert all(s[1] in edges and s[2] in edges for s in spans)  # spans are whole tokens
        seen += 1
    assert seen == 5  # alice and bob on the first text, alice on the other three


def _text(spans: list[tuple[Any, ...]], key: tuple[Any, ...]) -> str:
    return next(s[3] for s in spans if s[:3] == key)


@pytest.mark.parametrize("fmt", FORMATS)
def test_shared_corpora_round_trip(tmp_path: Path, fmt: str) -> None:
    """The shared brat (CoNLL-2002, the brat tutorial) and doccano files, imported,
    exported in the format and imported again: the same spans and relations."""
    project, db = new_project(tmp_path / "p")
    try:
        for path, source, name in [
            (BRAT / "CoNLL-ST_2002" / "esp", "brat", "conll"),
            (BRAT / "tutorial-news", "brat", "tutorial"),
            (DOCCANO / "relation_extraction.jsonl", "doccano", "rel"),
            (DOCCANO / "sequence_labeling.jsonl", "doccano", "seq"),
        ]:
            report = run_import(
                project, db, source, [path], ImportContext(as_name=name), add_labels=True
            )
            assert report.spans > 0, (path, report.problems)
    finally:
        db.close()
    project = load_project(tmp_path / "p")
    db = project.open_database()
    try:
        before = layers(db)
        out = export_to(project, db, fmt, tmp_path / "out.zip")
    finally:
        db.close()
    _, db2, report = import_into(tmp_path / "q", fmt, [out])
    try:
        assert report.problems == []
        assert layers(db2) == before
    finally:
        db2.close()
    assert sum(len(lay[0]) for doc in before.values() for lay in doc.values()) > 500
    assert sum(len(lay[1]) for doc in before.values() for lay in doc.values()) > 50


# --- INCEpTION's own files -------------------------------------------------------------


@pytest.mark.parametrize("whole", [False, True], ids=["annotation-folder", "project-zip"])
def test_inception_project_export_layout(tmp_path: Path, whole: bool) -> None:
    """annotation/DOCUMENT/USER.zip, each zip an XMI with INCEpTION's full type
    system, in a folder or in the project export's .zip beside its other files:
    the inner zip's name is the annotator; a CRLF in the sofa is stored as LF
    with every later offset moved; the custom layer's ``value`` is the label and
    its relation layer's ``value`` the relation type."""
    folder = tmp_path / "annotation" / "relation_test.txt"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "admin.zip", "w") as z:
        for name in ("relation_test.xmi", "TypeSystem.xml"):
            z.write(INCEPTION / "xmi-relation" / name, name)
    source = tmp_path / "annotation"
    if whole:
        source = tmp_path / "project.zip"
        with zipfile.ZipFile(source, "w") as z:
            z.write(folder / "admin.zip", "annotation/relation_test.txt/admin.zip")
            z.writestr("source/relation_test.txt", "Darmstadt is in Hessen.")
            z.writestr("exportedproject.json", "{}")
    _, db, report = import_into(tmp_path / "p", "xmi", [source])
    try:
        assert report.problems == []
        docs = snapshot(db)
    finally:
        db.close()
    text = "Darmstadt is in Hessen.\nHannover is in Lower Saxony."
    assert list(docs) == [text]
    assert docs[text]["title"] == "relation_test.txt"  # DocumentMetaData's documentTitle
    spans, relations = layers_of(docs[text], "admin")
    assert spans == sorted(
        [
            ("city", 0, 9, "Darmstadt"),
            ("state", 16, 22, "Hessen"),
            ("city", 24, 32, "Hannover"),
            ("state", 39, 51, "Lower Saxony"),
        ]
    )
    assert relations == [("located in", ("city", 0, 9), ("state", 16, 22))]
    assert any("TagsetDescription (4)" in notice for notice in report.notices)


def layers_of(doc: dict[str, Any], annotator: str) -> tuple[list[Any], list[Any]]:
    _status, spans, relations = doc["layers"][annotator]
    return sorted(s[:4] for s in spans), relations


def test_loose_xmi_is_named_by_its_file(tmp_path: Path) -> None:
    _, db, report = import_into(tmp_path / "p", "xmi", [INCEPTION / "xmi-relation"])
    try:
        assert report.problems == []
        (doc,) = snapshot(db).values()
    finally:
        db.close()
    assert list(doc["layers"]) == ["relation_test"]


def test_inception_tsv_reference_files(tmp_path: Path) -> None:
    """INCEpTION's TSV 3.3 reference files: emoji offsets in UTF-16, line breaks,
    stacked and multi-token spans, relations by disambiguation id, sub-tokens."""
    _, db, report = import_into(tmp_path / "p", "webanno-tsv", [INCEPTION / "tsv3"])
    try:
        docs = snapshot(db)
    finally:
        db.close()

    def layer(name: str) -> tuple[list[Any], list[Any]]:
        for doc in docs.values():
            if name in doc["layers"]:
                return layers_of(doc, name)
        raise AssertionError(name)

    assert layer("testSentenceWithEmoji")[0] == [("Span", 10, 11, "😊")]
    assert layer("testSentenceWithLineBreak")[0] == [("Span", 0, 4, "This")]
    assert "This is\na test ." in docs
    assert layer("testMultiTokenStackedSpanWithFeatureValue")[0] == [
        ("LOCATION", 0, 16, "This is a test ."),
        ("PERSON", 0, 16, "This is a test ."),
    ]
    spans, relations = layer("testStackedNonMultiTokenRelationWithMultipleFeatureValues")
    assert spans == [("Span", 0, 7, "This is"), ("Span", 8, 14, "a test")]
    assert sorted(relations) == [
        ("nsubj", ("Span", 0, 7), ("Span", 8, 14)),
        ("obj", ("Span", 0, 7), ("Span", 8, 14)),
    ]
    spans, relations = layer("testSingleStackedNonTokenRelationWithoutFeatureValue")
    assert spans == [("Span", 0, 4, "This"), ("Span", 15, 16, ".")]  # stacked copies once
    assert relations == [("Relation", ("Span", 0, 4), ("Span", 15, 16))]
    spans, relations = layer("testSubTokenRelation")
    assert spans == [("OTH", 0, 1, "T"), ("OTH", 3, 4, "t")]
    assert relations == [("Relation", ("OTH", 0, 1), ("OTH", 3, 4))]
    assert layer("testCrossSentenceSpanWithFeatureValue")[0] == [
        ("PERSON", 0, 34, "He loves her .\nShe loves him not .")
    ]
    assert "onetwo" in docs  # two sentences with no space between
    # labels holding a tab and a line break are refused, each with its file and line
    special = [p for p in report.problems if "SpecialSymbols" in str(p)]
    assert len(special) == 5 and all(p.line and "label" in str(p) for p in special)
    assert any("SimpleChain" in n and "webanno.custom.SimpleLink" in n for n in report.notices)


def test_tsv_tokens_keep_grapheme_clusters_whole() -> None:
    """A row's token is never part of a letter or an emoji sequence; a span edge
    inside one still cuts it there, and every span comes back at its characters."""
    from annotator.io.formats.common import SourceText

    text = "Jose\u0301 met 👨\u200d👩\u200d👧 in Zu\u0308rich 🇫🇷."
    spans = [(0, 5, "Person"), (10, 15, "Person"), (19, 21, "Person"), (27, 29, "Quote")]
    assert [text[s:e] for s, e, _ in spans] == ["Jose\u0301", "👨\u200d👩\u200d👧", "Zu", "🇫🇷"]
    content, _, _ = webanno_tsv.document_tsv(text, export_layer(text, spans, []), schema_context())
    tokens = [line.split("\t")[2] for line in content.split("\n") if line[:1].isdigit()]
    assert tokens == [
        "Jose\u0301", "met", "👨\u200d👩\u200d👧", "in", "Zu", "\u0308rich", "🇫🇷", ".",
    ]  # fmt: skip
    parsed = webanno_tsv.parse_tsv(content, "x.tsv")
    source = SourceText(parsed.text, "utf16")
    assert parsed.text == text
    got = [source.span(s.start, s.end, s.label) for s in parsed.spans.values()]
    assert sorted((d.start, d.end, d.label) for d in got) == spans


# --- bad input ---------------------------------------------------------------------------


def exported(tmp_path: Path, fmt: str) -> Path:
    project, db = tricky_project(tmp_path / "p")
    try:
        return export_to(project, db, fmt, tmp_path / "out")
    finally:
        db.close()


def test_tsv_row_that_does_not_fit_refuses_its_document(tmp_path: Path) -> None:
    out = exported(tmp_path, "webanno-tsv")
    bad = out / "t0" / "alice.tsv"
    lines = bad.read_text(encoding="utf-8").split("\n")
    row = next(n for n, line in enumerate(lines) if line.startswith("1-2\t"))
    fields = lines[row].split("\t")
    fields[1] = "7-9"  # the flag's offsets moved by one UTF-16 unit: inside its characters
    lines[row] = "\t".join(fields)
    bad.write_text("\n".join(lines), encoding="utf-8")
    short = out / "t1" / "alice.tsv"
    lines = short.read_text(encoding="utf-8").split("\n")
    row1 = next(n for n, line in enumerate(lines) if line.startswith("1-2\t"))
    lines[row1] = "\t".join(lines[row1].split("\t")[:4])  # columns missing
    short.write_text("\n".join(lines), encoding="utf-8")
    _, db, report = import_into(tmp_path / "q", "webanno-tsv", [out])
    try:
        docs = snapshot(db)
    finally:
        db.close()
    messages = {(Path(str(p.path)).parent.name, p.line): str(p) for p in report.problems}
    assert "falls inside a character" in messages["t0", row + 1]
    assert "has 1 annotation column(s); the header declares 4" in messages["t1", row1 + 1]
    assert len(report.problems) == 2
    # nothing of either file went in; the other file of the first document did
    assert "alice" not in docs[TRICKY[0]]["layers"] and "bob" in docs[TRICKY[0]]["layers"]
    assert TRICKY[1] not in docs  # its only file was refused


def test_tsv_row_a_column_short_or_long_refuses_its_file_not_shifted(tmp_path: Path) -> None:
    """INCEpTION ends each row with a tab, so a row without its entity column still
    ends with one: it must not be read with its columns shifted (the entity lost,
    the relation's columns taken for the labels). The file is refused with its line."""
    out = exported(tmp_path, "webanno-tsv")
    rows = {}
    for name, change in (("t0", lambda f: f[:3] + f[4:]), ("t1", lambda f: [*f[:-1], "_", ""])):
        path = out / name / "alice.tsv"
        lines = path.read_text(encoding="utf-8").split("\n")
        row = next(n for n, line in enumerate(lines) if "\tPerson" in line)
        assert lines[row].endswith("\t")
        lines[row] = "\t".join(change(lines[row].split("\t")))
        path.write_text("\n".join(lines), encoding="utf-8")
        rows[name] = row + 1
    _, db, report = import_into(tmp_path / "q", "webanno-tsv", [out])
    try:
        docs = snapshot(db)
    finally:
        db.close()
    messages = {(Path(str(p.path)).parent.name, p.line): str(p) for p in report.problems}
    assert len(messages) == 2
    assert "has 3 annotation column(s); the header declares 4" in messages["t0", rows["t0"]]
    assert "has 5 annotation column(s); the header declares 4" in messages["t1", rows["t1"]]
    assert "alice" not in docs[TRICKY[0]]["layers"] and "bob" in docs[TRICKY[0]]["layers"]
    assert TRICKY[1] not in docs


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("PER[2]\tagent|x\t1-1\t", "Rel has 1 governor(s) but 2 label(s)"),
        ("PER[2]\tagent\t_\t", "Rel has 0 governor(s) but 1 label(s)"),
        ("PER[2]\t_\t1-1\t", "Rel has 1 governor(s) but 0 label(s)"),
        ("PER[2]\tagent\t\t", "Rel's governor '' is not a token"),
        ("PER[2]\tagent\tAna[1_2]\t", "Rel's governor 'Ana[1_2]' is not a token"),
    ],
)
def test_tsv_relation_cells_that_do_not_pair_refuse_the_file(
    tmp_path: Path, cells: str, message: str
) -> None:
    """A relation is its label in one column and its governor in the next; a row
    where they do not pair up (or the governor is no token) is not guessed at."""
    header = (
        "#FORMAT=WebAnno TSV 3.3\n"
        f"#T_SP={NAMED_ENTITY}|value\n"
        "#T_RL=webanno.custom.Rel|role|BT_" + NAMED_ENTITY + "\n\n\n"
    )
    body = f"#Text=Ana met Bob\n1-1\t0-3\tAna\tPER\t_\t_\t\n1-2\t4-7\tmet\t_\t_\t_\t\n1-3\t8-11\tBob\t{cells}\n"
    path = tmp_path / "in" / "doc" / "alice.tsv"
    path.parent.mkdir(parents=True)
    path.write_text(header + body, encoding="utf-8", newline="\n")
    _, db, report = import_into(tmp_path / "p", "webanno-tsv", [tmp_path / "in"])
    try:
        assert snapshot(db) == {}
    finally:
        db.close()
    (problem,) = report.problems
    assert problem.line == 9 and f"token 1-3: {message}" in str(problem)


def test_xmi_offset_inside_an_emoji_refuses_the_document(tmp_path: Path) -> None:
    out = exported(tmp_path, "xmi")
    xmi = out / "t2" / "alice.xmi"
    content = xmi.read_text(encoding="utf-8")
    # "Ana 😀" ends after the emoji's two UTF-16 units: one less splits it
    text = TRICKY[2]
    end = len(text[: text.index("😀") + 1].encode("utf-16-le")) // 2
    assert f'end="{end}" value="Person"' in content
    xmi.write_text(
        content.replace(f'end="{end}" value="Person"', f'end="{end - 1}" value="Person"')
    )
    (out / "t3" / "TypeSystem.xml").unlink()
    _, db, report = import_into(tmp_path / "q", "xmi", [out])
    try:
        docs = snapshot(db)
    finally:
        db.close()
    messages = [str(p) for p in report.problems]
    assert len(messages) == 2
    assert "t2/alice.xmi" in messages[0] and "NamedEntity xmi:id" in messages[0]
    assert f"end={end - 1}" in messages[0] and "not imported" in messages[0]
    assert "t3/alice.xmi" in messages[1] and "no TypeSystem.xml" in messages[1]
    assert TRICKY[2] not in docs and TRICKY[3] not in docs


def test_tsv_values_escape_and_split_like_inception() -> None:
    value = r"a|b_c*d[1]e->f;g\h" + "\ti\n"
    escaped = escape_value(value)
    assert escaped == r"a\|b\_c\*d\[1\]e\->f\;g\\h\ti\n"
    assert unescape_value(escaped) == value
    assert split_stacked(escaped + "[3]|*[4]") == [escaped + "[3]", "*[4]"]


def test_tsv_trims_a_span_that_ends_in_a_line_break(tmp_path: Path) -> None:
    """A TSV row cannot hold a line break, so a span ending in one is written
    (and comes back) trimmed to its tokens, and the export says so; the XMI keeps it."""
    project, db = new_project(tmp_path / "p")
    text = "First line here.\nSecond line."
    (doc,) = import_drafts(db, [DocumentDraft(text=text, source="a.txt")], "t").added
    with db.session() as s:
        repository.add_span(s, doc, "alice", "Claim", 0, len("First line here.\n"))
        repository.add_span(s, doc, "alice", "Person", 16, 17)
    try:
        result = run_export(
            db, project, ExportRequest(format="webanno-tsv", target=tmp_path / "tsv")
        )
        export_to(project, db, "xmi", tmp_path / "xmi")
    finally:
        db.close()
    assert result.spans == 1  # the span of nothing but a line break is left out
    assert any("1 span(s) start or end in a line break" in w for w in result.warnings)
    assert any("1 span(s) of nothing but line breaks" in w for w in result.warnings)
    _, db2, _ = import_into(tmp_path / "q", "webanno-tsv", [tmp_path / "tsv"])
    _, db3, _ = import_into(tmp_path / "r", "xmi", [tmp_path / "xmi"])
    try:
        assert layers(db2)[text]["alice"][0] == [("Claim", 0, 16, "First line here.")]
        assert layers(db3)[text]["alice"][0] == [
            ("Claim", 0, 17, "First line here.\n"),
            ("Person", 16, 17, "\n"),
        ]
    finally:
        db2.close()
        db3.close()


# --- hostile input -------------------------------------------------------------------------

LAUGHS = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))


@pytest.mark.parametrize(
    ("doctype", "sofa", "reason"),
    [
        (f'<!ENTITY l0 "lol">{LAUGHS}', "&l9;", "amplification"),
        ('<!ENTITY x SYSTEM "file:///etc/passwd">', "a &x; b", "not defined"),
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_hostile_xmi_is_refused_not_expanded(
    tmp_path: Path, doctype: str, sofa: str, reason: str
) -> None:
    folder = tmp_path / "in" / "doc"
    folder.mkdir(parents=True)
    (folder / "TypeSystem.xml").write_bytes(
        (INCEPTION / "xmi-relation" / "TypeSystem.xml").read_bytes()
    )
    (folder / "eve.xmi").write_text(
        f'<?xml version="1.0"?><!DOCTYPE x [{doctype}]>'
        '<xmi:XMI xmlns:xmi="http://www.omg.org/XMI" xmlns:cas="http:///uima/cas.ecore" '
        'xmi:version="2.0"><cas:NULL xmi:id="0"/><cas:Sofa xmi:id="1" sofaNum="1" '
        f'sofaID="_InitialView" mimeType="text" sofaString="{sofa}"/>'
        '<cas:View sofa="1" members=""/></xmi:XMI>'
    )
    _, db, report = import_into(tmp_path / "p", "xmi", [tmp_path / "in"])
    try:
        assert snapshot(db) == {}
    finally:
        db.close()
    (problem,) = report.problems
    assert "eve.xmi: cannot read the XMI" in str(problem) and reason in str(problem)
    assert report.exit_code == 2


TSV_HEADER = (
    "#FORMAT=WebAnno TSV 3.3\n"
    f"#T_SP={NAMED_ENTITY}|value\n"
    "#T_SP=webanno.custom.Span|label\n"
    "#T_RL=webanno.custom.Link|label|BT_webanno.custom.Span\n\n\n"
    "#Text=Ana 😀 x y\n"
)
TSV_TOKENS = ["1-1\t0-3\tAna", "1-2\t4-6\t😀", "1-3\t7-8\tx", "1-4\t9-10\ty"]
CELLS = ["_", "*", "PER", "PER[1]", "LOC[2]|PER[1]", "*[3]|*[4]", "\\_", "a\\|b\\[1\\]", "x\t\n"]
REFS = ["_", "1-1", "1-1[1_2]", "1-3[3_0]|1-1", "1-9", "1-2[7_1]", "1-1[0_2]"]
NOISE = ["\n", "\t", "[", "]", "|", "9-", "#Text=z\n", "\n2-1\t11-12\tz\t_\n"]
noise = st.one_of(st.just(""), st.just(""), st.just(""), st.just(""), st.sampled_from(NOISE))
rows = st.tuples(
    st.sampled_from(CELLS), st.sampled_from(CELLS), st.sampled_from(CELLS), st.sampled_from(REFS)
)
tsv_files = st.tuples(
    st.lists(rows, min_size=4, max_size=4), st.lists(noise, min_size=4, max_size=4)
).map(
    lambda parts: (
        TSV_HEADER
        + "".join(
            f"{token}\t{chr(9).join(cells)}\t{noise}\n"
            for token, cells, noise in zip(TSV_TOKENS, parts[0], parts[1], strict=True)
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(tsv_files)
def test_any_tsv_gives_drafts_or_problems_never_a_crash(content: str) -> None:
    """Whatever the lines, a .tsv gives documents whose spans lie on their text, or
    problems that name the file (and the line where there is one)."""
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "eve.tsv").write_text(content, encoding="utf-8")
        for item in webanno_tsv.read(folder, ImportContext()):
            if isinstance(item, InputProblem):
                assert "eve.tsv" in str(item)
                continue
            for layer in item.layers:
                for span in layer.spans:
                    assert 0 <= span.start < span.end <= len(item.document.text)
                for relation in layer.relations:
                    assert relation.source < len(layer.spans) > relation.target
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_layer_and_unannotated_documents_and_splits(tmp_path: Path, fmt: str) -> None:
    """Several annotators, the gold layer and a document nobody annotated (its
    file is INITIAL_CAS) come back; --split writes a tree per split."""
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = layers(db)
        out = export_to(project, db, fmt, tmp_path / "out")
        split = export_to(
            project, db, fmt, tmp_path / "split", split={"train": 0.67, "test": 0.33}, seed=1
        )
    finally:
        db.close()
    suffix = ".xmi" if fmt == "xmi" else ".tsv"
    assert sorted(p.stem for p in out.rglob(f"*{suffix}")) == [
        "INITIAL_CAS",
        "alice",
        "bob",
        "bob",
        "gold",
    ]
    assert sorted(p.name for p in split.iterdir()) == ["test", "train"]
    _, db2, report = import_into(tmp_path / "q", fmt, [out], reviewer="rita")
    _, db3, _ = import_into(tmp_path / "r", fmt, [split], reviewer="rita")
    try:
        assert report.problems == []
        assert layers(db2) == before == layers(db3)
    finally:
        db2.close()
        db3.close()


def test_one_tsv_file(tmp_path: Path) -> None:
    path = INCEPTION / "tsv3" / "testSentenceWithEmoji.tsv"
    _, db, report = import_into(tmp_path / "p", "webanno-tsv", [path], as_name="dana")
    try:
        (doc,) = snapshot(db).values()
    finally:
        db.close()
    assert report.problems == [] and list(doc["layers"]) == ["dana"]
    assert doc["title"] == "testSentenceWithEmoji"


def test_tsv_with_windows_line_ends_and_a_dangling_relation(tmp_path: Path) -> None:
    """INCEpTION escapes a CR in #Text as \\r and counts it; the stored text has LF
    and the offsets after it move back by one. A relation whose governor id is not
    in the file is refused with its line; the spans stay."""
    header = (
        "#FORMAT=WebAnno TSV 3.3\n"
        f"#T_SP={NAMED_ENTITY}|value\n"
        "#T_RL=webanno.custom.Rel|role|BT_" + NAMED_ENTITY + "\n\n\n"
    )
    body = (
        "#Text=Ana 😀\\r\n"
        "#Text=met Bob .\n"
        "1-1\t0-3\tAna\tPER\t_\t_\t\n"
        "1-2\t4-6\t😀\t_\t_\t_\t\n"
        "1-3\t8-11\tmet\t_\t_\t_\t\n"
        "1-4\t12-15\tBob\tPER[2]\tagent|x\t1-1|1-1[9_2]\t\n"
        "1-5\t16-17\t.\t_\t_\t_\t\n"
    )
    path = tmp_path / "in" / "doc" / "alice.tsv"
    path.parent.mkdir(parents=True)
    path.write_text(header + body, encoding="utf-8", newline="\n")
    _, db, report = import_into(tmp_path / "p", "webanno-tsv", [tmp_path / "in"])
    try:
        docs = snapshot(db)
    finally:
        db.close()
    assert list(docs) == ["Ana 😀\nmet Bob ."]
    spans, relations = layers_of(docs["Ana 😀\nmet Bob ."], "alice")
    assert spans == [("PER", 0, 3, "Ana"), ("PER", 10, 13, "Bob")]
    assert relations == [("agent", ("PER", 0, 3), ("PER", 10, 13))]
    (problem,) = report.problems
    assert problem.line == 11 and "relation x: governor annotation [9] is not in the file" in str(
        problem
    )


# --- properties ---------------------------------------------------------------------------

PIECES = [*"abc XYZ.,!?-\n\t", " ", "é", "e\u0301", "😀", "👍🏽", "🇫🇷", "\u200d", "中", "\u2028"]
PIECES += ["\\", "|", "_", "*", "[1]", "->", ";", "#", "\x0c", "\x01"]
SCHEMA_LABELS = ["Person", "Quote"]  # an entity (NamedEntity) and a quote (the custom layer)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]], list[tuple[int, int]]]:
    # a project's texts are never blank (an import refuses them)
    pieces = st.lists(st.sampled_from(PIECES), min_size=1, max_size=30).map("".join)
    text = draw(pieces.filter(str.strip))
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append((start, end, draw(st.sampled_from(SCHEMA_LABELS))))
    links = []
    if len(spans) > 1:
        for _ in range(draw(st.integers(0, 3))):
            a, b = draw(st.permutations(range(len(spans))))[:2]
            links.append((a, b))
    return text, spans, links


def export_layer(text: str, spans: list[tuple[int, int, str]], links: list[tuple[int, int]]) -> Any:
    from annotator.core.dataset import Layer

    rows = [
        {"id": n + 1, "start": s, "end": e, "label": label, "text": text[s:e], "attributes": {},
         "note": "", "created_at": "", "updated_at": "", "version": 1}
        for n, (s, e, label) in enumerate(spans)
    ]  # fmt: skip
    relations = [
        {"id": n + 1, "type": "speaker", "source_id": a + 1, "target_id": b + 1, "created_at": ""}
        for n, (a, b) in enumerate(links)
    ]
    return Layer("alice", spans=rows, relations=relations)


def schema_context() -> Any:
    from annotator.core.schema import Label, LabelSchema
    from annotator.io.formats.common import ExportContext

    labels = (Label("Person", "entity", "#000000", None), Label("Quote", "quote", "#000000", None))
    return ExportContext(LabelSchema(labels=labels, relations=()))


LINE_BREAKING = "\n\t\x0c\u2028"


@settings(max_examples=250, deadline=None)
@given(documents())
@example(("aaaaaa \x0ca", [(0, 1, "Person"), (6, 9, "Person")], []))  # a space, then a form feed
def test_tsv_keeps_every_span_a_row_can_hold(
    doc: tuple[str, list[tuple[int, int, str]], list[tuple[int, int]]],
) -> None:
    """Any text and spans: the TSV's text comes back (whitespace before the first
    token as spaces), and every span whose edges are not a line break or tab
    comes back at its characters, with its links."""
    from annotator.core.offsets import Utf16Map
    from annotator.io.formats.common import SourceText
    from annotator.io.formats.inception import export_units

    text, spans, links = doc
    content, _, _ = webanno_tsv.document_tsv(
        text, export_layer(text, spans, links), schema_context()
    )
    parsed = webanno_tsv.parse_tsv(content, "x.tsv")
    tokens, _ = export_units(text, [(s, e) for s, e, _ in spans])
    first = tokens[0][0] if tokens else len(text)
    if tokens:
        assert parsed.text == " " * first + text[first:]
    source = SourceText(parsed.text, "utf16")
    got = {
        (d.label, d.start, d.end)
        for d in (source.span(s.start, s.end, s.label) for s in parsed.spans.values())
    }
    whole = {
        (label, s, e)
        for s, e, label in spans
        if text[s] not in LINE_BREAKING and text[e - 1] not in LINE_BREAKING and s >= first
    }
    assert whole <= got
    to16 = Utf16Map(text).to_utf16
    by_key = {k: (v.label, v.start, v.end) for k, v in parsed.spans.items()}
    got_links = {(by_key[a], by_key[b]) for _, a, b, _ in parsed.relations}
    for a, b in links:
        ends = [spans[a], spans[b]]
        if all((lab, s, e) in whole for s, e, lab in ends):
            assert tuple((lab, to16(s), to16(e)) for s, e, lab in ends) in got_links


@settings(max_examples=150, deadline=None)
@given(documents())
def test_xmi_keeps_every_span_or_refuses_the_text(
    doc: tuple[str, list[tuple[int, int, str]], list[tuple[int, int]]],
) -> None:
    """Any text and spans: the XMI that cassis writes loads back with every span at
    its characters and every link, or the export refuses a text XML cannot carry."""
    from annotator.core.dataset import ExportDocument
    from annotator.io.formats import xmi
    from annotator.io.formats.inception import InputFile

    text, spans, links = doc
    document = ExportDocument(1, "t", "s", "", "", {}, text, [])
    if any(ch in text for ch in "\x0c\x01"):
        with pytest.raises(InputProblem, match=r"XML 1\.0 cannot carry"):
            xmi.check_xml_text(document, Path("out"))
        return
    ts = xmi.type_system()
    cas = xmi.document_cas(document, export_layer(text, spans, links), ts, schema_context(), "d")
    data = cas.to_xmi().encode("utf-8")
    item = InputFile("d/alice.xmi", ("d", "alice.xmi"), lambda: data)
    loaded = xmi._load(item, data, cassis.load_typesystem(ts.to_xml()))
    (draft,) = xmi.cas_to_draft(item, loaded, loaded.typesystem, ImportContext())
    assert isinstance(draft, AnnotatedDraft) and draft.document.text == text
    layer = draft.layers[0] if draft.layers else None
    got = {(s.label, s.start, s.end) for s in (layer.spans if layer else [])}
    assert got == {(label, s, e) for s, e, label in spans}
    assert layer is None or {
        ((layer.spans[r.source].start, layer.spans[r.source].end),
         (layer.spans[r.target].start, layer.spans[r.target].end))
        for r in layer.relations
    } == {((spans[a][0], spans[a][1]), (spans[b][0], spans[b][1])) for a, b in links}  # fmt: skip
