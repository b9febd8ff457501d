"""Hostile and odd dataset files: each bad line gets one message naming the
file and line, and nothing else of the file is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.cli.app import main
from annotator.io.formats.api import ExportRequest, run_export
from annotator.io.formats.brat import parse_ann
from annotator.io.formats.common import SourceText
from annotator.io.project import load_project
from tests.fuzz_cases import HOSTILE_BRAT, HOSTILE_JSONL_LINES
from tests.io.test_formats_common import import_into, new_project, snapshot

TEXT = "Ana said hello to Bob today."
GOOD = "T1\tPerson 0 3\tAna\nT2\tPerson 18 21\tBob\nR1\tKnows Arg1:T1 Arg2:T2\t\n"


def parse(ann: str) -> tuple[list[tuple[str, int, int]], int, list[str], list[int | None]]:
    layer, _entities, problems = parse_ann(ann, SourceText(TEXT), "ana", "doc.ann")
    spans = [(s.label, s.start, s.end) for s in layer.spans]
    return spans, len(layer.relations), [str(p) for p in problems], [p.line for p in problems]


def test_an_offset_thousands_of_digits_long_is_one_line() -> None:
    ann = GOOD + "T3\tPerson 0" + "9" * 5000 + " 3\tx\nT4\tPerson 9 14\thello\n"
    spans, relations, messages, lines = parse(ann)
    assert spans == [("Person", 0, 3), ("Person", 18, 21), ("Person", 9, 14)]
    assert relations == 1
    assert lines == [4]
    assert len(messages[0]) < 200 and "T3" in messages[0] and "offset" in messages[0]


@pytest.mark.parametrize(("name", "ann", "bad_lines", "words"), HOSTILE_BRAT)
def test_lines_pointing_at_each_other_or_at_relations(
    name: str, ann: str, bad_lines: list[int], words: str
) -> None:
    spans, relations, messages, lines = parse(GOOD + ann)
    assert spans[:2] == [("Person", 0, 3), ("Person", 18, 21)], name
    assert relations >= 1, name
    assert lines == bad_lines, (name, messages)
    assert all(m.startswith("doc.ann:") for m in messages)
    assert words in " ".join(messages), (name, messages)


def test_hostile_brat_folder_imports_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "a.ann").write_text(
        GOOD
        + "T3\tPerson 1"
        + "0" * 4400
        + " 2\tx\nA1\tNeg R1\nA2\tNeg A1\n#1\tAnnotatorNotes T1\tok\n",
        encoding="utf-8",
    )
    _, db, report = import_into(tmp_path / "p", "brat", [folder], as_name="ana")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert sorted(p.line or 0 for p in report.problems) == [4, 5, 6]
    stored = snap[TEXT]["layers"]["ana"]
    assert [s[:3] for s in stored[1]] == [("Person", 0, 3), ("Person", 18, 21)]
    assert len(stored[2]) == 1


# --- JSONL: values the database cannot hold, and bytes that are not UTF-8 -------------


def native_record(n: int, **span: object) -> dict[str, object]:
    return {
        "text": f"Genève {n} says hello",
        "annotations": [
            {
                "annotator": "ana",
                "status": "new",
                "spans": [{"id": 1, "start": 0, "end": 6, "label": "Location", **span}],
                "relations": [],
            }
        ],
    }


def test_native_lines_the_database_cannot_hold_are_refused_alone(tmp_path: Path) -> None:
    lines = [
        orjson.dumps(native_record(1)),
        orjson.dumps(native_record(2, version=2**63)),
        b'{"text": "Doc 3", "meta": {"x": ' + b"[" * 300 + b"]" * 300 + b"}}",
        orjson.dumps(native_record(4, created_at="0001-01-01T00:00:00+05:00")),
        orjson.dumps(native_record(5, updated_at="9999-12-31T23:00:00-05:00")),
        b'{"text": "Doc 6 with a bad \xff byte"}',
        b'{"text": "Doc 7", "meta": {"n": 18446744073709551615}}',
        orjson.dumps(native_record(8, created_at="not a time")),
        orjson.dumps(native_record(9)),
    ]
    feed = tmp_path / "n.jsonl"
    feed.write_bytes(b"\n".join(lines))
    _, db, report = import_into(tmp_path / "p", "native", [feed])
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert [p.line for p in report.problems] == [2, 3, 4, 5, 6, 7, 8]
    messages = [str(p) for p in report.problems]
    assert all(m.startswith(f"{feed}:") and len(m) < 300 for m in messages), messages
    assert "version" in messages[0] and "64-bit" in messages[0]
    assert "meta" in messages[1] and "nested" in messages[1]
    assert "created_at" in messages[2] and "updated_at" in messages[3]
    assert "UTF-8" in messages[4] and "meta.n" in messages[5]
    assert sorted(snap) == ["Genève 1 says hello", "Genève 9 says hello"]
    assert report.documents_added == 2


@pytest.mark.parametrize(
    ("fmt", "record"),
    [
        ("native", lambda n: native_record(n)),
        ("doccano", lambda n: {"text": f"Genève {n} says", "label": [[0, 6, "Location"]]}),
        (
            "prodigy",
            lambda n: {
                "text": f"Genève {n} says",
                "spans": [{"start": 0, "end": 6, "label": "Location"}],
                "answer": "accept",
            },
        ),
    ],
)
def test_one_bad_byte_refuses_its_line_only(fmt: str, record: Any, tmp_path: Path) -> None:
    lines = [orjson.dumps(record(n)) for n in range(1, 5)]
    lines[2] = lines[2].replace("Genève".encode(), b"Gen\xe8ve")
    feed = tmp_path / "f.jsonl"
    feed.write_bytes(b"\n".join(lines))
    _, db, report = import_into(tmp_path / "p", fmt, [feed], as_name="ana")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert [(p.line, "UTF-8" in p.message) for p in report.problems] == [(3, True)]
    assert sorted(text.split(" ")[1] for text in snap) == ["1", "2", "4"]
    assert all(text.startswith("Genève") for text in snap)


def test_article_jsonl_refuses_bad_lines_alone(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(
        b"\n".join(
            [
                '{"text": "Première à Genève"}'.encode(),
                b'{"text": "a bad \xe9 byte"}',
                b'{"text": "too big", "n": 9223372036854775808}',
                b'{"text": "too deep", "x": ' + b"[" * 200 + b"]" * 200 + b"}",
                b'{"text": "last one"}',
            ]
        )
    )
    assert main(["import", str(project_dir), str(feed)]) == 1
    err = capsys.readouterr().err.splitlines()
    prefix = f"annotator: {feed}:"
    numbers = [line[len(prefix) :].split(":")[0] for line in err if line.startswith(prefix)]
    assert numbers == ["2", "3", "4"], err
    assert not any("Traceback" in line for line in err)
    project = load_project(project_dir)
    db = project.open_database()
    try:
        texts = sorted(snapshot(db))
    finally:
        db.close()
    assert texts == ["Première à Genève", "last one"]


# --- short files in a legacy encoding -------------------------------------------------


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_short_legacy_files_are_stored_right_and_the_encoding_named(
    encoding: str, project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    words = {"a.txt": "señor", "b.txt": "à la presse", "c.txt": "Genève", "d.md": "# Genève\n"}
    for name, text in words.items():
        (folder / name).write_bytes(text.encode(encoding))
    (folder / "e.jsonl").write_bytes(
        '{"text": "El señor"}\n{"text": "à la presse"}\n'.encode(encoding)
    )
    assert main(["import", str(project_dir), str(folder)]) == 0
    err = capsys.readouterr().err
    for name in [*words, "e.jsonl"]:
        assert f"{folder / name}: not UTF-8; read as cp1252" in err, err
    project = load_project(project_dir)
    db = project.open_database()
    try:
        texts = sorted(snapshot(db))
    finally:
        db.close()
    assert texts == sorted(["señor", "à la presse", "Genève", "# Genève\n", "El señor"])


# --- brat export: names that collide --------------------------------------------------


def test_brat_export_writes_every_document_and_layer_once(tmp_path: Path) -> None:
    """Sources and annotator names that differ only in case, or that sanitise to
    the same file name, still give one file each (also on a case-insensitive
    disk), and every layer comes back on import."""
    sources = ["Report.txt", "report.txt", "x/b.txt", "y/b.txt", "b-4", "", ""]
    annotators = ["Ana", "ana", "a/b", "a_b", "b"]
    lines = []
    for n, source in enumerate(sources):
        text = f"Report {n}: Ana met Bob in Paris."
        layers = [
            {
                "annotator": name,
                "status": "new",
                "spans": [{"id": 1, "start": 10 + n // 10, "end": 13, "label": "Person"}],
                "relations": [],
            }
            for name in annotators[: 2 + n % 4]
        ]
        lines.append(orjson.dumps({"text": text, "source": source, "annotations": layers}))
    feed = tmp_path / "in.jsonl"
    feed.write_bytes(b"\n".join(lines))
    project, db, report = import_into(tmp_path / "p", "native", [feed])
    try:
        assert report.problems == []
        before = snapshot(db)
        out = tmp_path / "out"
        result = run_export(db, project, ExportRequest(format="brat", target=out))
    finally:
        db.close()
    layer_count = sum(len(doc["layers"]) for doc in before.values())
    written = [p for p in out.rglob("*") if p.suffix in (".txt", ".ann")]
    assert len(written) == 2 * layer_count == 2 * sum(2 + n % 4 for n in range(len(sources)))
    names = [p.relative_to(out).as_posix().casefold() for p in written]
    assert len(set(names)) == len(names)
    assert result.documents == len(sources)
    # Each folder, imported as its annotator, gives that annotator's layers back.
    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(folders) == len(annotators)
    back: dict[str, list[tuple[str, object]]] = {}
    for n, folder in enumerate(folders):
        _, db2, report2 = import_into(tmp_path / f"q{n}", "brat", [folder], as_name="someone")
        try:
            assert report2.problems == []
            layer_set = sorted(
                (text, doc["layers"]["someone"][1]) for text, doc in snapshot(db2).items()
            )
        finally:
            db2.close()
        back[folder.name] = layer_set
    expected = sorted(
        sorted(
            (text, doc["layers"][name][1]) for text, doc in before.items() if name in doc["layers"]
        )
        for name in annotators
    )
    assert sorted(back.values()) == expected


@pytest.mark.parametrize("fmt", ["native", "doccano", "prodigy", "articles"])
@pytest.mark.parametrize("hostile", range(len(HOSTILE_JSONL_LINES)))
def test_every_jsonl_importer_refuses_each_hostile_line_alone(
    fmt: str, hostile: int, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(
        b'{"text": "First good one"}\n'
        + HOSTILE_JSONL_LINES[hostile]
        + b'\n{"text": "Second good one"}\n'
    )
    if fmt == "articles":
        from annotator.io.importer import import_paths

        _, db = new_project(tmp_path / "p")
        try:
            problems = import_paths(db, [feed]).problems
            texts = sorted(snapshot(db))
        finally:
            db.close()
    else:
        _, db, report = import_into(tmp_path / "p", fmt, [feed], as_name="ana")
        try:
            problems = report.problems
            texts = sorted(snapshot(db))
        finally:
            db.close()
    assert [(p.path, p.line) for p in problems] == [(feed, 2)], [str(p) for p in problems]
    assert texts == ["First good one", "Second good one"]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_labeled_legacy_files_are_read_right_and_the_encoding_named(
    encoding: str, tmp_path: Path
) -> None:
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "a.txt").write_bytes("Genève à la presse".encode(encoding))
    (folder / "a.ann").write_bytes("T1\tLocation 0 6\tGenève\n".encode(encoding))
    feed = tmp_path / "d.jsonl"
    feed.write_bytes(
        '{"text": "El señor", "label": [[3, 8, "Person"]]}\n{"text": "à la presse"}\n'.encode(
            encoding
        )
    )
    texts: list[str] = []
    for fmt, path, notices in [
        ("brat", folder, [f"{folder / 'a.txt'}", f"{folder / 'a.ann'}"]),
        ("doccano", feed, [str(feed)]),
    ]:
        _, db, report = import_into(tmp_path / fmt, fmt, [path], as_name="ana")
        try:
            texts += sorted(snapshot(db))
            layers = [doc["layers"].get("ana", ("", [])) for doc in snapshot(db).values()]
            spans = [s[:4] for layer in layers for s in layer[1]]
        finally:
            db.close()
        assert report.problems == [] and report.exit_code == 0
        assert report.notices == [f"{n}: not UTF-8; read as cp1252" for n in notices]
        assert spans == (
            [("Location", 0, 6, "Genève")] if fmt == "brat" else [("Person", 3, 8, "señor")]
        )
    assert texts == ["Genève à la presse", "El señor", "à la presse"]
