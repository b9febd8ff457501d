"""Helpers shared by the format tests, and tests of the shared pieces (offsets, tokens)."""

from __future__ import annotations

import contextlib
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.dataset import ExportFilter
from annotator.core.formats import UTF16
from annotator.core.model import DocStatus, DocumentDraft
from annotator.io.formats.api import ExportRequest, parse_split, run_export, run_import, split_ids
from annotator.io.formats.common import (
    LineProblem,
    SourceText,
    atomic_file,
    offset_converter,
    sentence_bounds,
    tokenize,
)
from annotator.io.formats.importing import ImportContext, ImportReport
from annotator.io.importer import import_drafts
from annotator.io.project import Project, create_project, load_project
from annotator.store import document_labels, export_reader, repository
from annotator.store.db import Database

# --- helpers used by the other test_formats_* modules -----------------------------

TEXTS = [
    "Ana Gómez said the plan 👍 would fail.\nThe ministry in Madrid denied it.",
    'Zoë met e\u0301mile in Paris 🇫🇷 on Monday. "It works," she said.',
    "No entities here, only words.",
]


def new_project(folder: Path) -> tuple[Project, Database]:
    create_project(folder)
    project = load_project(folder)
    return project, project.open_database()


def populate(db: Database) -> list[int]:
    """Three documents: alice and bob annotate, bob marks one done, gold on the first."""
    report = import_drafts(
        db,
        [
            DocumentDraft(text=t, title=f"Doc {i}", source=f"src/{i}.txt", url=f"https://x/{i}")
            for i, t in enumerate(TEXTS)
        ],
        "test",
    )
    ids = report.added
    with db.session() as s:
        t0 = TEXTS[0]
        q = repository.add_span(s, ids[0], "alice", "Quote", 0, t0.index(" said"), note="n1")
        p = repository.add_span(s, ids[0], "alice", "Person", 0, 9, attributes={"x": "y"})
        repository.add_span(
            s, ids[0], "alice", "Location", t0.index("Madrid"), t0.index("Madrid") + 6
        )
        repository.add_span(s, ids[0], "alice", "Claim", t0.index("the plan"), t0.index(" would"))
        repository.add_relation(s, "alice", "speaker", q.id, p.id)
        repository.add_span(s, ids[0], "bob", "Person", 0, 3)
        repository.set_roles(s, ["rita"])
        repository.add_span(s, ids[0], "gold", "Person", 0, 9, editor="rita")
        t1 = TEXTS[1]
        repository.add_span(s, ids[1], "bob", "Person", 0, 3)
        repository.add_span(
            s, ids[1], "bob", "Person", t1.index("e\u0301mile"), t1.index(" in Paris")
        )
        repository.add_span(s, ids[1], "bob", "Location", t1.index("Paris"), t1.index("Paris") + 8)
        repository.set_status(s, ids[1], "bob", DocStatus.DONE)
    return ids


def snapshot(db: Database, *, times: bool = False, ids: bool = False) -> dict[str, Any]:
    """Everything stored, keyed by text, with span ids replaced by content."""
    result: dict[str, Any] = {}
    with db.reader() as session:
        conn = session.connection()
        doc_ids = export_reader.select_document_ids(conn, ExportFilter())
        for doc in export_reader.iter_documents(conn, doc_ids):
            layers = {}
            for layer in doc.layers:
                by_id = {s["id"]: s for s in layer.spans}

                def key(span_id: int, by_id: dict[int, Any] = by_id) -> tuple[Any, ...]:
                    s = by_id[span_id]
                    return (s["label"], s["start"], s["end"])

                spans = sorted(
                    (
                        s["label"],
                        s["start"],
                        s["end"],
                        s["text"],
                        tuple(sorted((k, repr(v)) for k, v in s["attributes"].items())),
                        s["note"],
                        *((s["created_at"], s["updated_at"], s["version"]) if times else ()),
                    )
                    for s in layer.spans
                )
                relations = sorted(
                    (r["type"], key(r["source_id"]), key(r["target_id"])) for r in layer.relations
                )
                layers[layer.annotator] = (layer.status, spans, relations)
            result[doc.text] = {
                "title": doc.title,
                "source": doc.source,
                "url": doc.url,
                "date": doc.date,
                "meta": doc.meta,
                "layers": layers,
            }
    return result


def stored_document_labels(db: Database) -> dict[str, dict[str, dict[str, Any]]]:
    """Each document's text -> its layers' document labels (layer -> {name: value})."""
    with db.reader() as session:
        conn = session.connection()
        docs = export_reader.iter_documents(
            conn, export_reader.select_document_ids(conn, ExportFilter())
        )
        return {doc.text: document_labels.document_labels(session, doc.id) for doc in docs}


def export_to(project: Project, db: Database, fmt: str, target: Path, **kwargs: Any) -> Path:
    run_export(db, project, ExportRequest(format=fmt, target=target, **kwargs))
    return target


def import_into(
    folder: Path,
    fmt: str,
    paths: list[Path],
    *,
    as_name: str | None = None,
    offsets: str = "codepoint",
    reviewer: str | None = None,
) -> tuple[Project, Database, ImportReport]:
    project, db = new_project(folder)
    if reviewer is not None:
        with db.session() as s:
            repository.set_roles(s, [reviewer])
    ctx = ImportContext(offsets=offsets, as_name=as_name, reviewer=reviewer)
    report = run_import(project, db, fmt, paths, ctx, add_labels=True)
    return project, db, report


# --- offsets ----------------------------------------------------------------------

PIECES = [*"abc XYZ.,!?-\n\r\t", "é", "e\u0301", "😀", "👍🏽", "🇫🇷", "\u200d", "中", "ß", "\r\n"]
texts = (
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=40)
    .map("".join)
    .filter(lambda t: t.strip() != "")
)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), raw=texts)
def test_source_text_maps_raw_offsets_onto_the_stored_text(data: st.DataObject, raw: str) -> None:
    """CRLF input: offsets into the raw text land on the same characters in the stored text."""
    start = data.draw(st.integers(0, len(raw) - 1))
    end = data.draw(st.integers(start + 1, len(raw)))
    source = SourceText(raw)
    assert "\r" not in source.text
    if raw[start:end] == "\r" and raw[end : end + 1] == "\n":
        with pytest.raises(LineProblem, match="CR of a CRLF"):
            source.span(start, end, "L", raw[start:end])
        return
    span = source.span(start, end, "L", raw[start:end])
    normalized = raw[start:end].replace("\r\n", "\n").replace("\r", "\n")
    stored = source.text[span.start : span.end]
    # An end between CR and LF leaves that line break out; otherwise it is the same text.
    splits_crlf = raw[end - 1 : end + 1] == "\r\n"
    assert stored == normalized or (splits_crlf and stored + "\n" == normalized)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), text=texts.map(lambda t: t.replace("\r", "")).filter(bool))
def test_utf16_offsets_round_trip(data: st.DataObject, text: str) -> None:
    """Export converts to UTF-16 units; an import in utf16 gives the same code points back."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    convert = offset_converter(text, UTF16)
    u_start, u_end = convert(start), convert(end)
    units = text.encode("utf-16-le")
    assert units[2 * u_start : 2 * u_end].decode("utf-16-le") == text[start:end]
    span = SourceText(text, UTF16).span(u_start, u_end, "L", text[start:end])
    assert (span.start, span.end) == (start, end)


@pytest.mark.parametrize(
    ("start", "end", "label", "surface", "reason"),
    [
        (-1, 3, "L", None, "outside the text"),
        (2, 99, "L", None, "outside the text"),
        (5, 2, "L", None, "ends before it starts"),
        (2, 2, "L", None, "empty"),
        (0, 3, 7, None, "not a string"),
        (0, 3, None, None, "not a string"),
        ("0", 3, "L", None, "not an integer"),
        (True, 3, "L", None, "not an integer"),
        (0, 3, "L", "xyz", "does not match"),
        (0, 3, " L", None, "spaces"),
        (0, 3, "L\x07", None, "control characters"),
        (0, 3, "L" * 201, None, "longer than 200"),
    ],
)
def test_bad_spans_are_refused_with_a_reason(
    start: Any, end: Any, label: Any, surface: Any, reason: str
) -> None:
    with pytest.raises(LineProblem, match=reason):
        SourceText("Hello world").span(start, end, label, surface)


def test_utf16_offset_inside_a_surrogate_pair_is_refused() -> None:
    with pytest.raises(LineProblem, match="surrogate"):
        SourceText("a😀b", UTF16).span(0, 2, "L")


@settings(max_examples=200, deadline=None)
@given(text=texts, cuts=st.sets(st.integers(0, 60)))
def test_tokens_cover_words_and_split_at_breaks(text: str, cuts: set[int]) -> None:
    tokens = tokenize(text, cuts)
    for (s, e), nxt in zip(tokens, [*tokens[1:], (len(text), len(text))], strict=True):
        assert 0 <= s < e <= nxt[0]
        assert not any(s < c < e for c in cuts)
        assert text[s:e].strip() == text[s:e]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # decomposed letters: e + U+0301, n + U+0303, u + U+0308
        ("Jose\u0301 Nun\u0303ez visited Zu\u0308rich.",
         ["Jose\u0301", "Nun\u0303ez", "visited", "Zu\u0308rich", "."]),
        # a ZWJ family, a skin tone, a variation selector, flags (an odd indicator alone)
        ("👨\u200d👩\u200d👧 👍🏽 ❤\ufe0f 🇫🇷🇩🇪🇫!",
         ["👨\u200d👩\u200d👧", "👍🏽", "❤\ufe0f", "🇫🇷", "🇩🇪", "🇫", "!"]),
        # Devanagari vowel signs and virama (Mc, Mn) and a conjunct with ZWJ
        ("हिन्दी क्\u200dष", ["हिन्दी", "क्\u200dष"]),
        # a mark after punctuation stays on it; one after a space is a token of its own
        ("l'\u0301a \u0301x", ["l", "'\u0301", "a", "\u0301", "x"]),
        # a prefix sign before a space: the token stops before the space
        ("\u0600 1 x\u00b2 don't York-based", ["\u0600", "1", "x\u00b2", "don't", "York-based"]),
    ],
)  # fmt: skip
def test_tokens_keep_grapheme_clusters_whole(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in tokenize(text)] == expected


def test_a_break_inside_a_grapheme_cluster_still_cuts_the_token() -> None:
    text = "Jose\u0301 👍🏽"
    assert [text[s:e] for s, e in tokenize(text, {4, 7})] == ["Jose", "\u0301", "👍", "🏽"]


CLUSTER_PIECES = [*PIECES, "\u0301", "\u0303", "\ufe0f", "🇩", "👨", "\u200d👩", "क्", "ि", " "]


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from(CLUSTER_PIECES), min_size=1, max_size=30).map("".join),
    cuts=st.sets(st.integers(0, 60)),
)
def test_tokens_hold_every_visible_character_and_split_no_cluster(
    text: str, cuts: set[int]
) -> None:
    """Every character but whitespace is in a token; a token's edge inside a grapheme
    cluster (regex's \\X, Unicode's definition) is a break or touches whitespace."""
    import regex

    tokens = tokenize(text, cuts)
    covered = {i for s, e in tokens for i in range(s, e)}
    assert covered == {i for i, ch in enumerate(text) if not ch.isspace()}
    inside = {i for m in regex.finditer(r"\X", text) for i in range(m.start() + 1, m.end())}
    for edge in {edge for token in tokens for edge in token} & inside:
        assert edge in cuts or text[edge - 1].isspace() or text[edge].isspace()


def test_sentences_never_split_inside_a_span() -> None:
    text = "Dr. Smith arrived. He said hi.\nNext line"
    assert [text[s:e] for s, e in sentence_bounds(text)] == [
        "Dr.",
        "Smith arrived.",
        "He said hi.",
        "Next line",
    ]
    kept = sentence_bounds(text, [(0, 9)])
    assert next(text[s:e] for s, e in kept) == "Dr. Smith arrived."


def test_atomic_file_leaves_nothing_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as out:
        out.write(b"partial")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


# --- splits -----------------------------------------------------------------------


def test_parse_split() -> None:
    assert parse_split("train=0.8,dev=0.1,test=0.1") == {"train": 0.8, "dev": 0.1, "test": 0.1}
    for bad in ("train=0.8,dev=0.1", "train", "a=x,b=1", "a=0.5,a=0.5", "a=1.5,b=-0.5"):
        with pytest.raises(ValueError):
            parse_split(bad)


@given(n=st.integers(0, 300), seed=st.integers(0, 10**6))
def test_split_is_reproducible_and_partitions(n: int, seed: int) -> None:
    ids = list(range(1, n + 1))
    fractions = {"train": 0.8, "dev": 0.1, "test": 0.1}
    parts = split_ids(ids, fractions, seed)
    assert parts == split_ids(list(reversed(ids)), fractions, seed)
    assert sorted(i for p in parts.values() for i in p) == ids
    assert abs(len(parts["train"]) - 0.8 * n) <= 1


def test_combining_marks_are_not_normalised(tmp_path: Path) -> None:
    """NFC would change offsets; the stored text keeps e + U+0301 as two code points."""
    _project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        snap = snapshot(db)
    finally:
        db.close()
    text = TEXTS[1]
    assert text in snap
    assert unicodedata.normalize("NFC", text) != text
    spans = snap[text]["layers"]["bob"][1]
    assert (
        "Person",
        text.index("e\u0301"),
        text.index(" in Paris"),
        "e\u0301mile",
        (),
        "",
    ) in spans


# --- importers never crash on odd records -------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 30) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "text",
                    "label",
                    "entities",
                    "relations",
                    "spans",
                    "annotations",
                    "start",
                    "end",
                    "start_offset",
                    "end_offset",
                    "id",
                    "from_id",
                    "to_id",
                    "type",
                    "annotator",
                    "status",
                    "head_span",
                    "child_span",
                    "meta",
                    "offsets",
                    "source_id",
                    "target_id",
                    "answer",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(record=json_values, fmt=st.sampled_from(["native", "doccano", "prodigy"]))
def test_odd_records_are_refused_never_crash(record: Any, fmt: str) -> None:
    from annotator.io.formats import doccano, native, prodigy

    module = {"native": native, "doccano": doccano, "prodigy": prodigy}[fmt]
    if isinstance(record, dict) and "text" not in record:
        record["text"] = "Some text here"
    with contextlib.suppress(LineProblem):
        module.record_to_draft(record, ImportContext(as_name="x"))  # type: ignore[attr-defined]
