"""The window as "gold" is refused; a project.yaml naming other reviewers is reported."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from annotator.core.model import GOLD_ANNOTATOR
from annotator.io.project import load_project, save_project
from annotator.store import repository
from annotator.ui import open_window, settings
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import apply_preferences, current_preferences
from annotator.ui.welcome import NameDialog


def with_reviewers(project: Path, *names: str) -> None:
    config = load_project(project)
    config.reviewers = list(names)
    save_project(config)


def test_the_window_does_not_open_as_gold(qtbot: QtBot, project: Path) -> None:
    with_reviewers(project, "rita")
    win = MainWindow(user=GOLD_ANNOTATOR)  # not shown: the problem goes to the status bar
    qtbot.addWidget(win)
    assert win.open_project(project) is False
    assert win.project is None and win.store is None
    message = win.statusBar().currentMessage()
    assert "'gold' is the adjudicated layer, not an analyst's name" in message
    assert "Preferences" in message


def test_gold_is_not_accepted_as_a_name(qtbot: QtBot, window: MainWindow) -> None:
    dialog = NameDialog()
    qtbot.addWidget(dialog)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    dialog.edit.setText(GOLD_ANNOTATOR)
    assert not ok.isEnabled()
    dialog.edit.setText("rita")
    assert ok.isEnabled()
    apply_preferences(window, replace(current_preferences(window), name=GOLD_ANNOTATOR))
    assert window.user == "alice" and settings.default_user() != GOLD_ANNOTATOR
    assert "not an analyst's name" in window.statusBar().currentMessage()


def test_other_reviewers_in_project_yaml_are_reported_not_applied(
    qtbot: QtBot, project: Path
) -> None:
    with_reviewers(project, "rita")
    load_project(project).open_database().close()  # seeds rita: the database had no reviewer
    with_reviewers(project, "mallory")
    win = open_window(project, user="mallory")
    qtbot.addWidget(win)
    assert not win.is_reviewer
    assert "project.yaml names reviewers mallory, the database has rita" in (
        win.statusBar().currentMessage()
    )
    win.close()
    db = load_project(project).open_database()
    with db.reader() as s:
        assert repository.reviewer_names(s) == ["rita"]
    db.close()
