"""`annotator agreement PROJECT`: a real project, real spans, the command's output."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli.app import main
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository

TEXTS = [
    "Alice met Bob in Paris on Monday.",
    "The minister said taxes would not rise.",
    "Nobody agreed on this one.",
]


def word(text: str, w: str) -> tuple[int, int]:
    start = text.index(w)
    return start, start + len(w)


def fill(project_dir: Path) -> list[int]:
    """Three documents; alice and bob are done with the first two, only alice with the third."""
    db = load_project(project_dir).open_database()
    try:
        with db.session() as session:
            ids = [
                i
                for i in repository.insert_documents(session, [DocumentDraft(t) for t in TEXTS])
                if i is not None
            ]
            one, two, three = ids
            t1, t2, t3 = TEXTS
            spans = [
                (one, "alice", "Person", word(t1, "Alice")),
                (one, "alice", "Person", word(t1, "Bob")),
                (one, "alice", "Location", word(t1, "Paris")),
                (one, "bob", "Person", word(t1, "Alice")),
                (one, "bob", "Location", word(t1, "Bob")),
                (one, "bob", "Location", word(t1, "Paris")),
                (two, "alice", "Claim", (4, len(t2) - 1)),
                (two, "bob", "Claim", (4, len(t2))),
                (three, "alice", "Claim", word(t3, "agreed")),
                (one, GOLD_ANNOTATOR, "Person", word(t1, "Alice")),
            ]
            repository.set_roles(session, ["rita"])
            for doc_id, who, label, (start, end) in spans:
                by = "rita" if who == GOLD_ANNOTATOR else None
                repository.add_span(session, doc_id, who, label, start, end, editor=by)
            for doc_id, who in ((one, "alice"), (two, "alice"), (one, "bob"), (two, "bob")):
                repository.set_status(session, doc_id, who, DocStatus.DONE)
            repository.set_status(session, three, "alice", DocStatus.DONE)
            repository.set_status(session, one, GOLD_ANNOTATOR, DocStatus.DONE, editor="rita")
    finally:
        db.close()
    return ids


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["agreement", *args, "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def test_json_report_over_the_documents_both_marked_done(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(project_dir)
    data = run_json(capsys, str(project_dir))
    # The default schema links quotes and claims to speakers, and declares no
    # document label: attribution but no document_labels.
    assert list(data) == [
        "annotators",
        "documents",
        "tokens",
        "pairs",
        "alpha",
        "alpha_by_label",
        "attribution",
    ]
    assert data["attribution"] == {
        "labels": ["Quote", "Claim"],
        "agreement": None,
        "compared": 0,
        "same": 0,
        "pairs": [{"a": "alice", "b": "bob", "agreement": None, "compared": 0, "same": 0}],
    }
    assert data["annotators"] == ["alice", "bob"]  # gold only when named
    assert data["documents"] == 2
    assert data["tokens"] == 8 + 8
    (pair,) = data["pairs"]  # type: ignore[misc]
    assert list(pair) == [
        "a",
        "b",
        "exact_f1",
        "overlap_f1",
        "kappa",
        "exact_f1_by_label",
        "overlap_f1_by_label",
        "kappa_by_label",
    ]
    assert (pair["a"], pair["b"]) == ("alice", "bob")
    # Exact: Alice/Person and Paris/Location of 4 + 4 spans.
    assert pair["exact_f1"] == pytest.approx(2 * 2 / 8)
    # Overlap adds the two claims (same label, shared characters).
    assert pair["overlap_f1"] == pytest.approx(2 * 3 / 8)
    assert pair["exact_f1_by_label"] == {
        "Claim": 0.0,
        "Location": pytest.approx(2 * 1 / 3),
        "Person": pytest.approx(2 * 1 / 3),
    }
    assert pair["overlap_f1_by_label"]["Claim"] == 1.0
    # Tokens: alice P O P O L O O O | O C C C C C C O; bob P O L O L O O O | O C C C C C C C.
    # 14 of 16 agree; alice P2 L1 C6 O7, bob P1 L2 C7 O6: pe = (2 + 2 + 42 + 42) / 256.
    pe = 88 / 256
    assert pair["kappa"] == pytest.approx((14 / 16 - pe) / (1 - pe))
    assert set(data["alpha_by_label"]) == {"Claim", "Location", "Person"}  # type: ignore[arg-type]
    assert isinstance(data["alpha"], float)


def test_all_adds_documents_not_done_by_everyone(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(project_dir)
    data = run_json(capsys, str(project_dir), "--all")
    assert data["documents"] == 3
    assert data["tokens"] == 8 + 8 + 6


def test_gold_is_compared_when_named(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(project_dir)
    data = run_json(capsys, str(project_dir), "--annotator", "alice", "--annotator", GOLD_ANNOTATOR)
    assert data["annotators"] == ["alice", GOLD_ANNOTATOR]
    assert data["documents"] == 1
    (pair,) = data["pairs"]  # type: ignore[misc]
    assert pair["exact_f1"] == pytest.approx(2 * 1 / 4)


def test_label_filter(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(project_dir)
    data = run_json(capsys, str(project_dir), "--label", "Person", "--label", "Event")
    (pair,) = data["pairs"]  # type: ignore[misc]
    assert pair["exact_f1"] == pytest.approx(2 * 1 / 3)
    # Nobody marked an Event: undefined, not 0 or 1.
    assert pair["exact_f1_by_label"] == {"Person": pytest.approx(2 / 3), "Event": None}
    assert pair["kappa_by_label"]["Event"] is None
    assert data["alpha_by_label"] == {"Person": pytest.approx(data["alpha"]), "Event": None}
    # A label the schema lacks is compared (stored spans may have it), and said.
    code = main(["agreement", str(project_dir), "--label", "Person", "--label", "Persn"])
    assert code == 0
    assert capsys.readouterr().err == (
        "annotator: labels not in the schema (matched only if stored): Persn\n"
    )


def test_tables_by_default(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(project_dir)
    assert main(["agreement", str(project_dir), "--label", "Person", "--label", "Event"]) == 0
    out = capsys.readouterr().out
    assert "Agreement of alice, bob over 2 documents every one of them marked done" in out
    assert "exact F1" in out and "overlap F1" in out and "kappa" in out
    assert "alice / bob  0.667     0.667" in out
    assert "Krippendorff's alpha" in out
    assert "n/a" in out  # the Event rows


def test_fewer_than_two_annotators(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", str(project_dir)]) == 2
    assert "at least two annotators" in capsys.readouterr().err
    fill(project_dir)
    assert main(["agreement", str(project_dir), "--annotator", "alice"]) == 2
    assert "at least two annotators (compared: alice)" in capsys.readouterr().err


def test_unknown_annotator(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(project_dir)
    assert main(["agreement", str(project_dir), "--annotator", "alice", "--annotator", "zoe"]) == 2
    err = capsys.readouterr().err
    assert "no annotator named 'zoe'" in err
    assert "alice, bob, gold" in err


def test_no_documents_done_by_everyone(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = fill(project_dir)
    db = load_project(project_dir).open_database()
    with db.session() as session:
        repository.set_status(session, ids[0], "bob", DocStatus.IN_PROGRESS)
        repository.set_status(session, ids[1], "bob", DocStatus.IN_PROGRESS)
    db.close()
    assert main(["agreement", str(project_dir)]) == 2
    err = capsys.readouterr().err
    assert "no document is marked done by every one of alice, bob" in err
    assert "--all" in err
    # --all still finds them.
    assert run_json(capsys, str(project_dir), "--all")["documents"] == 3


def test_not_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", str(tmp_path / "nowhere")]) == 2
    assert "no such project folder" in capsys.readouterr().err


def test_the_tables_leave_out_attribution_when_no_quote_was_compared(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(project_dir)
    assert main(["agreement", str(project_dir)]) == 0
    out = capsys.readouterr().out
    assert "attribution" not in out and "document label" not in out
    assert out.rstrip().endswith("nothing to compare (no spans, or one category throughout)")
