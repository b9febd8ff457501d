"""`annotator copy`: a project moves between databases with everything in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from annotator.cli.app import main
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository as repo
from annotator.store.models import Base


def fill(project_dir: Path) -> None:
    text = "“We are here to listen,” Blinken said in Astana 🇰🇿.\r\nSecond line."
    db = load_project(project_dir).open_database()
    with db.session() as s:
        repo.set_roles(s, ["rita"])
        (doc,) = repo.insert_documents(s, [DocumentDraft(text=text, title="T", meta={"k": [1]})])
        assert doc is not None
        quote = repo.add_span(s, doc, "ana", "Quote", 1, 23, attributes={"type": "direct"})
        person = repo.add_span(s, doc, "ana", "Person", 25, 32, note="the speaker")
        repo.add_relation(s, "ana", "speaker", quote.id, person.id)
        repo.add_span(s, doc, GOLD_ANNOTATOR, "Location", 41, 47, editor="rita")
        repo.set_status(s, doc, "ana", DocStatus.DONE)
    with db.session() as s:
        repo.update_span(s, person.id, "ana", label="Organization")
        repo.delete_span(s, quote.id, "ana")
    db.close()


def dump(project_dir: Path) -> dict[str, list[dict[str, Any]]]:
    db = load_project(project_dir).open_database()
    with db.reader() as s:
        tables = {
            t.name: [
                dict(r) for r in s.execute(select(t).order_by(*t.primary_key.columns)).mappings()
            ]
            for t in Base.metadata.sorted_tables
        }
    db.close()
    return tables


def test_copy_to_another_database_and_back(
    project_dir: Path, tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import PG_URL

    fill(project_dir)
    original = dump(project_dir)
    assert len(original["change_log"]) >= 7
    # Each backend copies to a SQLite folder; the PostgreSQL run also goes there and back.
    assert main(["copy", str(project_dir), str(tmp_path / "copy")]) == 0
    out = capsys.readouterr().out
    assert "spans" in out and "change_log" in out
    made = (p.name for p in (tmp_path / "copy").iterdir() if p.suffix != ".lock")
    assert sorted(made) == [  # and the lock files of open programs (docs/guarantees.md, "Backups")
        "annotator.sqlite",
        "project.yaml",
    ]
    assert dump(tmp_path / "copy") == original
    if PG_URL and database_url.startswith("sqlite"):
        return
    # New edits in the copy get fresh ids (sequences moved past the copied rows).
    db = load_project(tmp_path / "copy").open_database()
    with db.session() as s:
        doc_id = repo.list_documents(s)[0].id
        added = repo.add_span(s, doc_id, "ana", "Location", 41, 47)
    db.close()
    assert added.id > max(row["id"] for row in original["spans"])


def test_copy_refuses_a_database_that_has_data(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(project_dir)
    other = tmp_path / "other"
    assert main(["copy", str(project_dir), str(other)]) == 0
    capsys.readouterr()
    db_url = load_project(other).database_url
    code = main(["copy", str(project_dir), str(tmp_path / "third"), "--db", db_url])
    assert code == 2
    assert "already has data" in capsys.readouterr().err
    assert not (tmp_path / "third").exists()


def test_copy_refuses_a_target_it_cannot_make_a_folder(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("mine\n", encoding="utf-8")
    assert main(["copy", str(project_dir), str(a_file)]) == 2
    assert capsys.readouterr().err == f"annotator: {a_file}: exists and is not a folder\n"
    assert a_file.read_text(encoding="utf-8") == "mine\n"
    under_a_file = a_file / "project"
    assert main(["copy", str(project_dir), str(under_a_file)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"annotator: {under_a_file}: cannot create the folder (")
    assert "Traceback" not in err
