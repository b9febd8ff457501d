"""File → Export with the labelstudio, spacy, parquet and quotes formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.io.project import load_project
from annotator.store import repository
from annotator.ui import open_window
from annotator.ui.export_dialog import ExportDialog
from tests.ui.conftest import NEWS


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [("labelstudio", ".json"), ("spacy", ".spacy"), ("parquet", ".parquet"), ("quotes", ".csv")],
)
def test_the_dialog_offers_the_format(qtbot: QtBot, tmp_path: Path, fmt: str, suffix: str) -> None:
    dialog = ExportDialog("alice", tmp_path / "data.jsonl")
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    choice = dialog.choice()
    assert (choice.format, choice.target.name) == (fmt, f"data{suffix}")


def test_a_gz_name_stays_compressed_as_the_format_changes(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ExportDialog("alice", tmp_path / "data.jsonl")
    qtbot.addWidget(dialog)
    dialog.target.clear()
    qtbot.keyClicks(dialog.target, str(tmp_path / "news.jsonl.gz"))
    names = []
    for fmt in ("doccano", "csv", "brat", "native"):
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        names.append(dialog.choice().target.name)
    # brat's archive is a .zip; after it the name is a plain one again.
    assert names == ["news.jsonl.gz", "news.csv.gz", "news.zip", "news.jsonl"]


def test_the_window_exports_and_says_what_spacy_left_out(
    qtbot: QtBot, project: Path, tmp_path: Path
) -> None:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            doc_id = next(d.id for d in repository.list_documents(session) if "a-news" in d.source)
        with db.session() as s:
            repository.add_span(s, doc_id, "alice", "Person", 0, 14)  # Antony Blinken
            at = NEWS.index("Kazakhstan")
            repository.add_span(s, doc_id, "alice", "Location", at, at + 3)  # "Kaz"
    finally:
        db.close()
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    try:
        assert window.export_dataset("spacy", tmp_path / "a.spacy", "mine")
        message = window.statusBar().currentMessage()
        assert "Exported 1 document, 1 span and 0 links" in message
        assert (
            "1 span(s) do not line up with spaCy's tokens and were left out (Location 1)" in message
        )
        assert window.export_dataset("labelstudio", tmp_path / "a.json", "mine")
        (task,) = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
        values = [r["value"] for r in task["annotations"][0]["result"]]
        assert [(v["text"], v["labels"]) for v in values] == [
            ("Antony Blinken", ["Person"]),
            ("Kaz", ["Location"]),
        ]
        assert window.export_dataset("parquet", tmp_path / "a.parquet", "mine")
        assert (tmp_path / "a.parquet").stat().st_size > 0
    finally:
        window.close()


def test_the_window_says_what_a_format_flattened(
    qtbot: QtBot, project: Path, tmp_path: Path
) -> None:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            doc_id = next(d.id for d in repository.list_documents(session) if "a-news" in d.source)
        with db.session() as s:  # "Antony" and "Blinken" as one span in two pieces
            repository.add_span(s, doc_id, "alice", "Quote", 0, 0, fragments=[(0, 6), (7, 14)])
    finally:
        db.close()
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    try:
        assert window.export_dataset("doccano", tmp_path / "a.jsonl", "mine")
        message = window.statusBar().currentMessage()
        assert "Exported 1 document, 2 spans" in message
        assert "1 split span(s) written as one span per piece" in message
        assert window.export_dataset("quotes", tmp_path / "q.csv", "mine")
        assert "Exported 1 document, 1 span" in window.statusBar().currentMessage()
        assert "Antony … Blinken" in (tmp_path / "q.csv").read_text(encoding="utf-8")
    finally:
        window.close()
