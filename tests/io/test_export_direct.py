"""The native export of an SQLite project without SQLAlchemy (issue 14):
``app.transfer.export_native_directly`` writes the golden bytes the usual path
writes (test_export_speed_paths.py), the command never loads SQLAlchemy for
it, takes the day's backup as opening the project does, and leaves the
export to the usual path where it cannot do what that path does first."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from annotator.app.transfer import ExportMismatch, export_native_directly
from annotator.core.dataset import ExportFilter
from annotator.io.backup import list_backups
from annotator.store import export_sqlite
from tests.io.test_export_speed_paths import GOLDEN, GOLDEN_LABELS, LABELS, export_golden


@pytest.fixture(scope="module")
def golden_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden")
    export_golden(folder, {})
    return folder / "p"


@pytest.mark.parametrize(("flt", "golden"), [(ExportFilter(), GOLDEN), (LABELS, GOLDEN_LABELS)])
def test_the_direct_export_writes_the_golden_bytes(
    golden_project: Path, tmp_path: Path, flt: ExportFilter, golden: Path
) -> None:
    target = tmp_path / "out.jsonl"
    done = export_native_directly(golden_project, target, flt)
    assert done is not None
    assert target.read_bytes() == golden.read_bytes()
    assert done.documents == golden.read_bytes().count(b"\n")
    assert done.processes == 1
    assert sorted(done.annotators) == ["alice", "bob", "carol"]


def test_the_command_never_loads_sqlalchemy(golden_project: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "annotator", "export", str(golden_project),
         "-o", str(target), "--annotator", "nobody"],
        capture_output=True, text=True,
    )  # fmt: skip
    # Refused on the direct path too, before anything is written.
    assert done.returncode == 2, done.stderr
    assert not target.exists()
    assert "no annotator named 'nobody' in this project; nothing was exported" in done.stderr
    assert "import time:" in done.stderr  # the check below saw the imports
    assert "sqlalchemy" not in done.stderr


def test_the_day_s_backup_is_taken_as_on_opening(golden_project: Path, tmp_path: Path) -> None:
    for backup in list_backups(golden_project):
        backup.unlink()
    assert export_native_directly(golden_project, tmp_path / "out.jsonl", ExportFilter())
    assert len(list_backups(golden_project)) == 1


def test_reviewers_to_set_up_leave_it_to_the_usual_path(
    golden_project: Path, tmp_path: Path
) -> None:
    yaml = golden_project / "project.yaml"
    before = yaml.read_text()
    try:
        yaml.write_text(before + "reviewers: [alice]\n")
        assert (
            export_native_directly(golden_project, tmp_path / "out.jsonl", ExportFilter()) is None
        )
        assert not (tmp_path / "out.jsonl").exists()
    finally:
        yaml.write_text(before)


def test_a_schema_to_migrate_leaves_it_to_the_usual_path(tmp_path: Path) -> None:
    export_golden(tmp_path, {})
    with closing(sqlite3.connect(tmp_path / "p" / "annotator.sqlite")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'older'")
        conn.commit()
    assert export_native_directly(tmp_path / "p", tmp_path / "out.jsonl", ExportFilter()) is None


def test_a_span_whose_text_is_not_the_document_s_stops_it(tmp_path: Path) -> None:
    export_golden(tmp_path, {})
    with closing(sqlite3.connect(tmp_path / "p" / "annotator.sqlite")) as conn:
        first = conn.execute("SELECT min(id) FROM spans").fetchone()[0]
        conn.execute("UPDATE spans SET text = 'Someone' WHERE id = ?", (first,))
        conn.commit()
    target = tmp_path / "out.jsonl"
    with pytest.raises(ExportMismatch, match=f"span {first} .*'Someone'"):
        export_native_directly(tmp_path / "p", target, ExportFilter())
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_ids_too_large_to_pack_read_the_general_way(tmp_path: Path) -> None:
    """An annotator id of 2**20 or more (a database edited by hand) is not packed
    with its document's (export_sqlite.layers_pack): the same bytes."""
    export_golden(tmp_path, {})
    with closing(sqlite3.connect(tmp_path / "p" / "annotator.sqlite")) as conn:
        for table in ("spans", "relations", "document_status", "document_labels", "change_log"):
            conn.execute(f"UPDATE {table} SET annotator_id = annotator_id + ?", (1 << 20,))
        conn.execute("UPDATE annotators SET id = id + ?", (1 << 20,))
        conn.commit()
        assert not export_sqlite.layers_pack(conn)
    target = tmp_path / "out.jsonl"
    assert export_native_directly(tmp_path / "p", target, ExportFilter()) is not None
    assert target.read_bytes() == GOLDEN.read_bytes()
