"""Looking after a project's database through the application package
(annotator/app/maintenance.py), without Qt and without the command line:
backups made, listed and restored, a project copied, a database migrated."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.app.maintenance import (
    backup_time,
    copy_project,
    latest_backup,
    list_backups,
    make_backup,
    migrate,
    restore,
)
from annotator.app.project import PROJECT_FILE, database_file, load_project
from annotator.app.transfer import import_articles
from annotator.app.workspace import Workspace
from annotator.core.errors import ProjectProblem


def add_article(project_dir: Path, tmp_path: Path, name: str) -> None:
    article = tmp_path / f"{name}.txt"
    article.write_text(f"{name} met officials in Astana on Tuesday.\n", encoding="utf-8")
    workspace = Workspace.open(project_dir)
    try:
        assert len(import_articles(workspace, [article]).added) == 1
    finally:
        workspace.close()


def titles(project_dir: Path) -> list[str]:
    workspace = Workspace.open(project_dir)
    try:
        return sorted(d.title for d in workspace.documents_for("alice").documents)
    finally:
        workspace.close()


@pytest.fixture
def sqlite_project(tmp_path: Path) -> Path:
    from annotator.app.project import create_project

    return create_project(tmp_path / "project").directory


def test_backups_of_an_open_workspace_and_of_a_closed_project_are_listed_oldest_first(
    project_dir: Path, tmp_path: Path
) -> None:
    project = load_project(project_dir)
    assert list_backups(project) == [] and latest_backup(project) is None
    workspace = Workspace.open(project_dir)
    try:
        daily = list_backups(project)  # opening an SQLite project backs it up once a day
        first = make_backup(workspace)
    finally:
        workspace.close()
    second = make_backup(project)
    assert list_backups(project) == [*daily, first, second]
    assert first.parent == project_dir / "backups" and first.stat().st_size > 0
    assert backup_time(first) is not None
    elsewhere = make_backup(project, tmp_path / "copy.sqlite")
    assert elsewhere == tmp_path / "copy.sqlite" and elsewhere.stat().st_size > 0
    assert list_backups(project) == [*daily, first, second]  # --to writes outside backups/
    with pytest.raises(ProjectProblem, match="already exists"):
        make_backup(project, elsewhere)
    if database_file(project) is None:  # a server's project: nothing to restore onto
        assert latest_backup(project) is None
    else:
        assert latest_backup(project) == second


def test_restore_puts_the_newest_backup_back_and_keeps_the_database_it_replaced(
    sqlite_project: Path, tmp_path: Path
) -> None:
    add_article(sqlite_project, tmp_path, "Blinken")
    project = load_project(sqlite_project)
    backup = make_backup(project)
    add_article(sqlite_project, tmp_path, "Lavrov")
    assert len(titles(sqlite_project)) == 2
    restored = restore(project)
    assert restored.backup == backup
    assert restored.database_file == database_file(project)
    assert restored.kept is not None and restored.kept.exists()
    assert titles(sqlite_project) == ["Blinken met officials in Astana on Tuesday."]


def test_restore_is_refused_while_a_workspace_holds_the_project_open(
    sqlite_project: Path, tmp_path: Path
) -> None:
    add_article(sqlite_project, tmp_path, "Blinken")
    project = load_project(sqlite_project)
    make_backup(project)
    add_article(sqlite_project, tmp_path, "Lavrov")
    workspace = Workspace.open(sqlite_project)
    try:
        with pytest.raises(ProjectProblem):
            restore(project)
        assert len(workspace.documents_for("alice").documents) == 2  # nothing replaced
    finally:
        workspace.close()
    assert len(titles(sqlite_project)) == 2
    assert not list((sqlite_project).glob("*.before-restore-*"))


def test_restore_without_backups_or_on_a_server_is_refused(project_dir: Path) -> None:
    project = load_project(project_dir)
    if database_file(project) is None:
        with pytest.raises(ProjectProblem, match="restore works on SQLite projects"):
            restore(project)
    else:
        with pytest.raises(ProjectProblem, match="has no backups"):
            restore(project)


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_project: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ProjectProblem, match="not a usable backup"):
        restore(load_project(sqlite_project), junk)


def test_a_copied_project_has_the_documents_and_the_name(project_dir: Path, tmp_path: Path) -> None:
    add_article(project_dir, tmp_path, "Blinken")
    copied = copy_project(project_dir, tmp_path / "copy")
    assert copied.project.directory == (tmp_path / "copy").resolve()
    assert copied.source_name == load_project(project_dir).name == copied.project.name
    assert copied.rows["documents"] == 1
    assert (tmp_path / "copy" / PROJECT_FILE).exists()
    assert titles(tmp_path / "copy") == titles(project_dir)


def test_a_copy_into_a_database_with_data_is_refused_and_the_folder_it_made_removed(
    project_dir: Path, tmp_path: Path
) -> None:
    add_article(project_dir, tmp_path, "Blinken")
    full = load_project(project_dir).database_url  # the source's own: it has data
    target = tmp_path / "new" / "copy"
    with pytest.raises(ProjectProblem, match="already has data"):
        copy_project(project_dir, target, full)
    assert not target.exists()
    assert len(titles(project_dir)) == 1  # the source is untouched


def test_a_copy_onto_a_project_or_with_a_password_is_refused(
    project_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ProjectProblem, match="a project already exists here"):
        copy_project(project_dir, project_dir)
    with pytest.raises(ProjectProblem, match="password"):
        copy_project(project_dir, tmp_path / "copy", "postgresql://ana:secret@host/db")
    assert not (tmp_path / "copy").exists()


def test_migrating_an_up_to_date_database_changes_nothing(project_dir: Path) -> None:
    from annotator.store.db import HEAD_REVISION

    migrated = migrate(project_dir)
    assert migrated.from_revision is None
    assert migrated.to_revision == HEAD_REVISION
    assert migrated.backup is None
