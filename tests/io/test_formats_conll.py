"""CoNLL BIO: tags match the entity spans; overlaps resolved as documented."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.dataset import ExportFilter, SpanRow
from annotator.io.formats.api import ExportRequest, run_export
from annotator.io.formats.conll import document_lines, resolve_overlaps
from tests.io.test_formats_common import TEXTS, import_into, new_project, populate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brat" / "CoNLL-ST_2002"


def span(id_: int, label: str, start: int, end: int, text: str = "") -> SpanRow:
    return SpanRow(
        id=id_, start=start, end=end, label=label, text=text, attributes={}, note="",
        created_at="", updated_at="", version=1,
    )  # fmt: skip


def decode(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(label, tokens) for each entity in BIO lines."""
    entities: list[tuple[str, list[str]]] = []
    for line in lines:
        if not line or line.startswith("-DOCSTART-"):
            continue
        token, tag = line.rsplit(" ", 1)
        if tag.startswith("B-"):
            entities.append((tag[2:], [token]))
        elif tag.startswith("I-"):
            assert entities and entities[-1][0] == tag[2:]
            entities[-1][1].append(token)
    return entities


def test_overlaps_earliest_then_longest_wins() -> None:
    spans = [span(1, "A", 5, 9), span(2, "B", 0, 12), span(3, "C", 10, 15), span(4, "D", 12, 14)]
    kept, dropped = resolve_overlaps(spans)
    assert [s["id"] for s in kept] == [2, 4] and dropped == 2


def test_tags_follow_spans_even_inside_words() -> None:
    text = "New York-based firms grew."
    lines = document_lines(text, [span(1, "LOC", 0, 8), span(2, "X", 18, 20)])
    assert lines[:6] == ["New B-LOC", "York I-LOC", "-based O", "fir O", "ms B-X", "grew O"]


def test_tokens_keep_combining_marks_and_emoji_sequences() -> None:
    """A letter keeps its combining marks and an emoji sequence its parts: no line
    starts with a bare accent or a lone joiner."""
    text = "Jose\u0301 Nun\u0303ez visited Zu\u0308rich with 👨\u200d👩\u200d👧 🇫🇷."
    lines = document_lines(text, [span(1, "Person", 0, 12), span(2, "Location", 21, 28)])
    assert lines == [
        "Jose\u0301 B-Person", "Nun\u0303ez I-Person", "visited O", "Zu\u0308rich B-Location",
        "with O", "👨\u200d👩\u200d👧 O", "🇫🇷 O", ". O", "",
    ]  # fmt: skip


def test_a_span_edge_inside_a_letter_still_cuts_its_token() -> None:
    text = "Jose\u0301 won"
    lines = document_lines(text, [span(1, "Person", 0, 4)])
    assert lines == ["Jose B-Person", "\u0301 O", "won O", ""]


def test_shared_conll_documents_keep_every_entity(tmp_path: Path) -> None:
    project, db, report = import_into(tmp_path / "p", "brat", [FIXTURES], as_name="c")
    try:
        out = tmp_path / "out.conll"
        result = run_export(db, project, ExportRequest("conll", out))
    finally:
        db.close()
    assert result.warnings == []
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines.count("-DOCSTART- O") == 20
    entities = decode(lines)
    assert len(entities) == report.spans
    assert {label for label, _ in entities} == {"PER", "LOC", "ORG", "MISC"}


def test_project_export_only_entities_and_reports_overlaps(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        out = tmp_path / "o.conll"
        result = run_export(
            db, project, ExportRequest("conll", out, ExportFilter(annotators=frozenset({"alice"})))
        )
    finally:
        db.close()
    entities = decode(out.read_text(encoding="utf-8").split("\n"))
    assert entities == [("Person", ["Ana", "Gómez"]), ("Location", ["Madrid"])]
    assert any("not entities" in w for w in result.warnings)
    assert TEXTS[0].startswith("Ana Gómez")


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_random_spans_become_exact_bio_runs(data: st.DataObject) -> None:
    """Random text and spans: after overlap resolution, each kept span with a visible
    character is exactly one B- run covering its tokens, which spell its text."""
    from tests.io.test_formats_common import PIECES

    pieces = [p for p in PIECES if "\r" not in p]
    text = "".join(data.draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=30)))
    spans = []
    for n in range(data.draw(st.integers(0, 6))):
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start + 1, len(text)))
        spans.append(
            span(n + 1, data.draw(st.sampled_from(["A", "B"])), start, end, text[start:end])
        )
    kept, dropped = resolve_overlaps(spans)
    assert len(kept) + dropped == len(spans)
    visible = [s for s in kept if s["text"].strip()]
    entities = decode(document_lines(text, kept))
    assert len(entities) == len(visible)
    for (label, tokens), s in zip(entities, visible, strict=True):
        assert label == s["label"]
        assert "".join(tokens) == "".join(s["text"].split())
