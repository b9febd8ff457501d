"""`annotator export --format quotes`, and the summary of what other formats
flatten, on a project with a split quote, an entity's mentions in two
articles and a document label (issue 15)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.cli.app import main
from annotator.core.model import DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository
from annotator.store.document_labels import set_document_label
from annotator.store.entities import create_entity
from tests.io.split_cases import FIRST, SECOND, SPEAKER, TEXT

CLAIM_TEXT = "Blinken claimed the talks went well."


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def who_said_what(project_dir: Path) -> Path:
    db = load_project(project_dir).open_database()
    try:
        with db.session() as s:
            first, second = repository.insert_documents(
                s, [DocumentDraft(TEXT, title="Visit"), DocumentDraft(CLAIM_TEXT, title="Talks")]
            )
            assert first is not None and second is not None
            entity = create_entity(s, "ana", "Antony Blinken", label="Person", external_id="Q1")
            quote = repository.add_span(s, first, "ana", "Quote", 0, 0, fragments=[FIRST, SECOND],
                                        attributes={"type": "direct"})  # fmt: skip
            speaker = repository.add_span(s, first, "ana", "Person", *SPEAKER, entity_id=entity.id)
            repository.add_relation(s, "ana", "speaker", quote.id, speaker.id)
            claim = repository.add_span(s, second, "ana", "Claim", 16, 35)
            claimant = repository.add_span(s, second, "ana", "Person", 0, 7, entity_id=entity.id)
            repository.add_relation(s, "ana", "claimant", claim.id, claimant.id)
            repository.add_span(s, second, "bob", "Claim", 16, 35)
            set_document_label(s, first, "ana", "topic", "politics")
    finally:
        db.close()
    return project_dir


def test_quotes_csv_and_jsonl_name_the_entity_behind_each_speaker(
    who_said_what: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "export", who_said_what, "-o", tmp_path / "q.csv", "-f", "quotes")
    assert code == 0, err
    assert "3 span(s), 2 relation(s) as quotes" in out
    with (tmp_path / "q.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    got = [
        (r["title"], r["annotator"], r["kind"], r["text"], r["speaker_text"], r["entity_name"])
        for r in rows
    ]
    assert got == [
        ("Visit", "ana", "quote", "We will win … and soon", "Blinken", "Antony Blinken"),
        ("Talks", "ana", "claim", CLAIM_TEXT[16:35], "Blinken", "Antony Blinken"),
        ("Talks", "bob", "claim", CLAIM_TEXT[16:35], "", ""),
    ]
    assert json.loads(rows[0]["pieces"]) == [list(FIRST), list(SECOND)]
    assert rows[0]["entity_id"] == rows[1]["entity_id"] != ""

    code, _, err = run(capsys, "export", who_said_what, "-o", tmp_path / "q.jsonl", "-f", "quotes",
                       "--annotator", "ana", "--label", "Quote")  # fmt: skip
    assert code == 0, err
    lines = [json.loads(x) for x in (tmp_path / "q.jsonl").read_text("utf-8").splitlines()]
    assert [(x["label"], x["speaker_text"], x["attributes"]) for x in lines] == [
        ("Quote", "Blinken", {"type": "direct"})
    ]
    pd = pytest.importorskip("pandas")
    assert len(pd.read_csv(tmp_path / "q.csv")) == 3
    assert list(pd.read_json(tmp_path / "q.jsonl", lines=True)["entity_name"]) == ["Antony Blinken"]


def test_the_summary_says_what_a_format_flattened(
    who_said_what: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "export", who_said_what, "-o", tmp_path / "d.jsonl", "-f", "doccano"
    )
    assert code == 0, err
    assert "1 split span(s) written as one span per piece" in out
    assert "2 mention(s) written without their entity" in out
    assert "document label" not in out  # doccano's categories hold them
    code, out, err = run(capsys, "export", who_said_what, "-o", tmp_path / "s.csv", "-f", "csv")
    assert code == 0, err
    assert "1 split span(s) written as one span per piece" in out
    assert "without their entity" not in out  # CSV has entity columns
    assert "1 document label(s) left out" in out  # a row per span has no place for them
