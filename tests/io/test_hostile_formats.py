"""Hostile and odd dataset files: each bad line gets one message naming the
file and line, and nothing else of the file is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.io.formats.brat import parse_ann
from annotator.io.formats.common import SourceText
from tests.fuzz_cases import HOSTILE_BRAT
from tests.io.test_formats_common import import_into, snapshot

TEXT = "Ana said hello to Bob today."
GOOD = "T1\tPerson 0 3\tAna\nT2\tPerson 18 21\tBob\nR1\tspeaker Arg1:T1 Arg2:T2\t\n"


def parse(ann: str) -> tuple[list[tuple[str, int, int]], int, list[str], list[int | None]]:
    layer, problems = parse_ann(ann, SourceText(TEXT), "ana", "doc.ann")
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
