"""Hypothesis strategies for fuzzing what users hand the program: article
files, labeled-data files of every import format, and project.yaml.

Shared by tests/io/test_fuzz.py (a few hundred cases) and benchmarks/fuzz.py
(thousands).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import orjson
from hypothesis import strategies as st

# Text with the characters that break offset handling elsewhere.
nasty_text = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["\r\n", "\r", "🇰🇿", "e\u0301", "\u00a0", "\t", "“", "”", "\ufeff"]),
    ),
    max_size=40,
).map("".join)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=False), nasty_text
)


def _span_list(draw: st.DrawFn, length: int) -> list[object]:
    def offset() -> object:
        return draw(st.one_of(st.integers(-3, length + 3), json_scalars))

    return draw(st.lists(st.builds(lambda: [offset(), offset(), draw(json_scalars)]), max_size=5))


@st.composite
def doccano_line(draw: st.DrawFn) -> bytes:
    text = draw(nasty_text)
    record: dict[str, object] = {"text": draw(st.one_of(st.just(text), json_scalars))}
    if draw(st.booleans()):
        record["label"] = _span_list(draw, len(text))
    else:
        record["entities"] = [
            {"id": draw(json_scalars), "start_offset": draw(st.integers(-2, len(text) + 2)),
             "end_offset": draw(st.integers(-2, len(text) + 2)), "label": draw(json_scalars)}
            for _ in range(draw(st.integers(0, 3)))
        ]  # fmt: skip
        record["relations"] = [
            {"id": draw(json_scalars), "from_id": draw(json_scalars), "to_id": draw(json_scalars),
             "type": draw(json_scalars)}
            for _ in range(draw(st.integers(0, 2)))
        ]  # fmt: skip
    return orjson.dumps(record)


@st.composite
def prodigy_line(draw: st.DrawFn) -> bytes:
    text = draw(nasty_text)
    spans = [
        {"start": draw(st.integers(-2, len(text) + 2)), "end": draw(st.integers(-2, len(text) + 2)),
         "label": draw(json_scalars)}
        for _ in range(draw(st.integers(0, 3)))
    ]  # fmt: skip
    return orjson.dumps({"text": text, "spans": spans, "answer": draw(json_scalars)})


@st.composite
def native_line(draw: st.DrawFn) -> bytes:
    text = draw(nasty_text)
    annotations = {
        draw(nasty_text): {
            "status": draw(json_scalars),
            "spans": [
                {"id": draw(json_scalars), "start": draw(st.integers(-2, len(text) + 2)),
                 "end": draw(st.integers(-2, len(text) + 2)), "label": draw(json_scalars),
                 "text": draw(json_scalars)}
                for _ in range(draw(st.integers(0, 3)))
            ],
            "relations": draw(st.lists(json_scalars, max_size=2)),
        }
    }  # fmt: skip
    return orjson.dumps({"id": draw(json_scalars), "text": text, "annotations": annotations})


# Lines no JSONL importer may store: an integer beyond 64 bits, values nested
# deeper than a database takes, a time out of range, a byte that is not UTF-8.
HOSTILE_JSONL_LINES = [
    b'{"text": "big", "meta": {"n": 18446744073709551615}, "n": 9223372036854775808}',
    b'{"text": "deep", "meta": {"x": ' + b"[" * 300 + b"]" * 300 + b"}}",
    b'{"text": "deeper", "x": ' + b"[" * 2000 + b"]" * 2000 + b"}",
    b'{"text": "Gen\xe8ve", "title": "bad byte"}',
    b'{"text": "a long number", "n": 1' + b"0" * 5000 + b"}",
    b'{"text": "Early", "annotations": [{"annotator": "a", "spans": [{"start": 0, "end": 1, '
    b'"label": "X", "created_at": "0001-01-01T00:00:00+05:00", "version": 9223372036854775808}]}]}',
]


def jsonl_file(line: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Lines of a format, mixed with garbage lines and odd line endings."""
    garbage = st.one_of(st.binary(max_size=30), st.just(b"{"), st.just(b"[]"), st.just(b""),
                        st.sampled_from(HOSTILE_JSONL_LINES))  # fmt: skip
    return st.lists(st.one_of(line, line, garbage), min_size=0, max_size=4).map(
        lambda lines: b"\n".join(lines)
    ) | st.lists(line, max_size=3).map(lambda lines: b"\r\n".join(lines))


@st.composite
def brat_pair(draw: st.DrawFn) -> tuple[bytes, bytes]:
    text = draw(nasty_text)
    kinds = st.sampled_from(["T", "R", "A", "#", "E", "N", "*", "X"])
    lines = []
    for n in range(draw(st.integers(0, 5))):
        kind = draw(kinds)
        start, end = draw(st.integers(-2, len(text) + 2)), draw(st.integers(-2, len(text) + 2))
        tail = draw(st.sampled_from([
            f"Person {start} {end}\t{text[max(start, 0):max(end, 0)]}", f"speaker Arg1:T1 Arg2:T{n}",
            f"Negated T{n}", "AnnotatorNotes T1\tnote", "garbage", f"Person {start};{end} {end}\tx",
            f"Person {start}{'9' * 5000} {end}\tx", f"Negated R{n}", f"Ref A{n} W:1\tx",
            f"AnnotatorNotes #{n}\tx", f"speaker Arg1:R1 Arg2:T{n}", f"Alias T1 R{n}",
        ]))  # fmt: skip
        lines.append(f"{kind}{n}\t{tail}")
    return text.encode("utf-8", "surrogatepass"), "\n".join(lines).encode("utf-8", "surrogatepass")


# brat lines that point at each other, at relations or at nothing, appended to
# a good .ann (T1, T2, R1 on lines 1-3): (name, lines, refused line numbers,
# a word the messages use). tests/io/test_hostile_formats.py checks each.
HOSTILE_BRAT = [
    ("attribute on a relation", "A1\tNeg R1\n", [4], "relation"),
    ("normalization on a relation", "N1\tReference R1 Wiki:1\tx\n", [4], "relation"),
    ("attributes on each other", "A1\tNeg A2\nA2\tNeg A1\n", [4, 5], "attribute"),
    ("note on itself", "#1\tAnnotatorNotes #1\tx\n", [4], "note"),
    ("normalization on itself", "N1\tReference N1 Wiki:1\tx\n", [4], "normalization"),
    ("attribute on nothing", "A1\tNeg T99\n", [4], "does not exist"),
    ("relation to a relation", "R2\tspeaker Arg1:T1 Arg2:R1\t\n", [4], "relation"),
    (
        "relations on each other",
        "R2\tspeaker Arg1:T1 Arg2:R3\t\nR3\tspeaker Arg1:R2 Arg2:T2\t\n",
        [4, 5],
        "relation",
    ),
    ("equivalence with a relation", "*\tAlias T1 R1\n", [4], "relation"),
    ("event argument a relation", "E1\tPerson:T1 Role:R1\n", [4], "relation"),
    ("relation id twice", "R1\tspeaker Arg1:T2 Arg2:T1\t\n", [4], "twice"),
    ("attribute id twice", "A1\tNeg T1\nA1\tNeg T2\n", [5], "twice"),
    ("id thousands of digits long", "T" + "1" * 5000 + "\tPerson 0 3\tAna\n", [4], "too long"),
    (
        "note on a refused relation",
        "R2\tspeaker Arg1:T1 Arg2:T9\t\n#1\tAnnotatorNotes R2\tn\n",
        [4, 5],
        "refused",
    ),
    (
        "attribute on a refused span",
        "T3\tPerson 0" + "9" * 5000 + " 3\tx\nA1\tNeg T3\n",
        [4, 5],
        "refused",
    ),
]

yaml_fragments = st.sampled_from([
    "version: 1\n", "version: 99\n", "name: P\n", "name: [\n", "name: !!python/name:os.system\n",
    "schema:\n  labels:\n", "    - name: A\n", "    - name: B\n      key: a\n", "      key: a\n",
    "      color: '#ff0000'\n", "      color: reddish\n", "      kind: entity\n", "      kind: blob\n",
    "  relations:\n    - name: r\n      from: [A]\n      to: [Z]\n", "settings:\n  font_size: big\n",
    "settings: {snap_to_words: true}\n", "\t\n", "reviewers: [ann]\n", "reviewers: 3\n",
    "database: postgresql://u:p@h/d\n", "unknown: 1\n", "    - kind: entity\n", "---\n", "- a\n",
])  # fmt: skip
project_yaml = st.lists(yaml_fragments, max_size=10).map("".join) | nasty_text


def run_cli(args: list[str]) -> tuple[int, str]:
    """Run the command line in-process; returns (exit code, stderr)."""
    from annotator.cli.app import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, err.getvalue()


def check_messages(stderr: str, names: list[Path]) -> None:
    """Every problem is one line naming a file we handed over (or the project)."""
    for line in stderr.splitlines():
        assert "Traceback" not in line, stderr
        if line.startswith("annotator: ") and "skipped" not in line:
            assert any(str(name) in line for name in names), line
