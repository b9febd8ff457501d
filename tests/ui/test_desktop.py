"""The desktop side (issue 9): welcome screen, name prompt, tour, preferences, help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from annotator import __version__
from annotator.core.commands import AddSpan
from annotator.io.project import load_project
from annotator.paths import GUIDE_FILE, user_data_dir
from annotator.ui import settings
from annotator.ui.app import Launcher, ensure_application, startup_project
from annotator.ui.help import HelpViewer, about_text, guide_headings
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import (
    PreferencesDialog,
    apply_article_palette,
    apply_theme,
    edit_preferences,
)
from annotator.ui.tour import TourPanel
from annotator.ui.welcome import NameDialog, ensure_analyst_name
from tests.ui.conftest import find

REPO = Path(__file__).resolve().parents[2]
LEFT = Qt.MouseButton.LeftButton


def answer_modal(qtbot: QtBot, kind: type, act: object) -> list[QWidget]:
    """Answer the next modal dialog of ``kind`` with ``act(dialog)``; returns it when seen."""
    seen: list[QWidget] = []

    def poll(tries: int = 500) -> None:  # at most 5 s, so no poll outlives its test
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            seen.append(dialog)
            act(dialog)  # type: ignore[operator]
        elif tries > 0:
            QTimer.singleShot(10, lambda: poll(tries - 1))

    QTimer.singleShot(0, poll)
    return seen


def close_all(launcher: Launcher) -> None:
    for window in launcher.windows:
        window.close()
    if launcher.welcome is not None:
        launcher.welcome.close()


# --- welcome screen ----------------------------------------------------------


def test_first_run_shows_the_welcome_screen_with_recent_projects(
    qtbot: QtBot, project: Path
) -> None:
    assert startup_project(None) is None  # no last project: the welcome screen
    settings.remember_project(project)
    ensure_application()
    launcher = Launcher(user="alice", ask_name=False)
    welcome = launcher.show_welcome()
    qtbot.addWidget(welcome)
    qtbot.waitExposed(welcome)
    assert welcome.objectName() == "welcomeScreen"
    texts = {b.text() for b in welcome.findChildren(QPushButton)}
    assert {"Open the sample project", "New project…", "Open project…"} <= texts
    assert welcome.recent_paths() == [str(project.resolve())]

    # Double-clicking (activating) a recent project opens it and closes the welcome.
    welcome.recent.itemActivated.emit(welcome.recent.item(0))
    assert len(launcher.windows) == 1
    window = launcher.windows[0]
    assert window.project is not None and window.project.directory == project.resolve()
    assert not welcome.isVisible()
    close_all(launcher)


def test_the_sample_opens_from_a_writable_copy_with_the_tour_once(qtbot: QtBot) -> None:
    ensure_application()
    launcher = Launcher(user="alice", ask_name=False)
    welcome = launcher.show_welcome()
    qtbot.addWidget(welcome)
    qtbot.mouseClick(welcome.sample_button, LEFT)
    assert len(launcher.windows) == 1
    window = launcher.windows[0]
    qtbot.addWidget(window)
    copy = user_data_dir() / "sample"
    assert window.project is not None and window.project.directory == copy.resolve()
    assert (copy / "annotator.sqlite").exists()  # built in the user's folder
    assert len(window.documents.document_ids()) == 4

    tour = window.findChild(TourPanel, "tourPanel")
    assert tour is not None and tour.isVisible()
    titles = []
    for _ in range(3):
        titles.append(tour.title.text())
        qtbot.mouseClick(tour.next_button, LEFT)
    assert [t.replace("<b>", "").replace("</b>", "") for t in titles] == [
        "Highlight and press a key",
        "Link a quote to its speaker",
        "Export",
    ]
    qtbot.waitUntil(lambda: window.findChild(TourPanel, "tourPanel") is None)
    assert settings.tour_shown()
    close_all(launcher)

    # The second time the sample opens, no tour.
    again = Launcher(user="alice", ask_name=False)
    second = again.show_welcome()
    qtbot.addWidget(second)
    qtbot.mouseClick(second.sample_button, LEFT)
    assert again.windows[0].findChild(TourPanel, "tourPanel") is None
    close_all(again)


def test_new_and_open_project_buttons(qtbot: QtBot, tmp_path: Path, project: Path) -> None:
    ensure_application()
    launcher = Launcher(user="alice", ask_name=False)
    welcome = launcher.show_welcome()
    qtbot.addWidget(welcome)
    welcome.choose_new_folder = lambda: tmp_path / "fresh"  # type: ignore[method-assign]
    qtbot.mouseClick(welcome.new_button, LEFT)
    assert (tmp_path / "fresh" / "project.yaml").exists()
    assert launcher.windows[-1].project is not None
    close_all(launcher)

    launcher = Launcher(user="alice", ask_name=False)
    welcome = launcher.show_welcome()
    qtbot.addWidget(welcome)
    welcome.choose_project_folder = lambda: project  # type: ignore[method-assign]
    qtbot.mouseClick(welcome.open_button, LEFT)
    window = launcher.windows[-1]
    assert window.project is not None and window.project.directory == project.resolve()
    close_all(launcher)


# --- the name, asked once ------------------------------------------------------


def test_the_name_is_asked_on_the_first_run_only(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_application()
    assert not settings.has_user_name()

    def type_name(dialog: NameDialog) -> None:
        dialog.edit.setText("Dana Analyst")
        dialog.accept()

    launcher = Launcher()  # no --user: the first run asks, over the welcome screen
    seen = answer_modal(qtbot, NameDialog, type_name)
    welcome = launcher.show_welcome()
    qtbot.addWidget(welcome)
    qtbot.waitUntil(lambda: settings.has_user_name())
    assert len(seen) == 1 and seen[0].objectName() == "nameDialog"
    assert settings.default_user() == "Dana Analyst"
    welcome.close()

    # Never again: a second start (a new launcher, a new window) asks nothing.
    def never(*_args: object) -> int:
        raise AssertionError("the name was asked twice")

    monkeypatch.setattr(NameDialog, "exec", never)
    assert ensure_analyst_name() == "Dana Analyst"
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.user == "Dana Analyst"
    window.close()


def test_closing_the_name_prompt_keeps_the_login_name_and_never_asks_again(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_application()
    answer_modal(qtbot, NameDialog, lambda dialog: dialog.reject())
    name = ensure_analyst_name()
    assert name and settings.has_user_name()
    monkeypatch.setattr(NameDialog, "exec", lambda *_: pytest.fail("asked twice"))
    assert ensure_analyst_name() == name


# --- preferences -----------------------------------------------------------------


def test_preferences_change_a_colour_in_project_yaml_and_repaint(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    start, end = find(window.view, "Blinken")
    assert window.run(AddSpan(window.document_id or 0, "alice", "Person", start - 7, end))
    window.view.finish_styling()

    def choose(dialog: PreferencesDialog) -> None:
        assert dialog.objectName() == "preferencesDialog"
        dialog.choose_color = lambda name, current: "#123456"  # type: ignore[method-assign]
        qtbot.mouseClick(dialog.color_buttons["Person"], LEFT)
        dialog.snap_check.setChecked(False)
        dialog.size_spin.setValue(17)
        dialog.accept()

    answer_modal(qtbot, PreferencesDialog, choose)
    assert edit_preferences(window)

    saved = load_project(project)
    person = saved.schema.label("Person")
    assert person is not None and person.color == "#123456"
    assert saved.setting("snap_to_words") is False
    assert "#123456" in (project / "project.yaml").read_text(encoding="utf-8")
    # The palette and the article show the new colour at once.
    item = window.label_palette.item_for("Person")
    assert item is not None and item.background().color().name() == "#123456"
    assert window.view.label_color("Person").name() == "#123456"
    assert window.view.snap is False
    window.view.finish_styling()
    image = window.view.viewport().grab().toImage()
    rect = window.view.char_rect(start)
    colours = {
        image.pixelColor(x, y).name()
        for x in range(rect.left(), rect.right())
        for y in range(rect.top(), rect.bottom())
    }
    assert "#123456" in colours
    # The user's own settings: the text size is remembered, not written to the project.
    assert window.view.font().pointSize() == 17
    assert str(settings.app_settings().value("view/font_size")) == "17"
    assert saved.setting("font_size") == 12


def test_preferences_change_the_name(qtbot: QtBot, window: MainWindow) -> None:
    def rename(dialog: PreferencesDialog) -> None:
        dialog.name_edit.setText("bea")
        dialog.accept()

    answer_modal(qtbot, PreferencesDialog, rename)
    assert edit_preferences(window)
    assert window.user == "bea" and settings.default_user() == "bea"
    assert "(bea)" in window.windowTitle()


def test_cancelled_preferences_change_nothing(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    before = (project / "project.yaml").read_text(encoding="utf-8")

    def cancel(dialog: PreferencesDialog) -> None:
        dialog.set_color("Claim", "#000000")
        dialog.reject()

    answer_modal(qtbot, PreferencesDialog, cancel)
    assert not edit_preferences(window)
    assert (project / "project.yaml").read_text(encoding="utf-8") == before


def test_dark_theme_keeps_the_article_readable(qtbot: QtBot, window: MainWindow) -> None:
    from annotator.ui.preferences import apply_article_palette

    app = ensure_application()
    before = app.palette().color(QPalette.ColorRole.Window).name()
    try:
        apply_theme(app, "dark")
        apply_article_palette(window)
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 100
        # The article stays dark text on a light page: label colours are pastel.
        assert window.view.palette().color(QPalette.ColorRole.Base).lightness() > 200
        apply_theme(app, "light")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 150
    finally:
        apply_theme(app, "system")
        apply_article_palette(window)
    assert app.palette().color(QPalette.ColorRole.Window).name() == before
    assert settings.theme() == "system"  # the default: follow the system


# --- help ----------------------------------------------------------------------


def test_the_help_menu_shows_the_guide(qtbot: QtBot, window: MainWindow) -> None:
    action = window.findChild(QAction, "guideAction")
    assert action is not None and action.shortcut().toString() == "F1"
    action.trigger()
    viewer = window.findChild(HelpViewer, "helpViewer")
    assert viewer is not None
    qtbot.waitExposed(viewer)
    text = viewer.browser.toPlainText()
    for topic in (
        "Keyboard shortcuts",
        "The label schema",
        "Export formats",
        "Review and agreement",
        "Team database",
    ):
        assert topic in text, topic
    titles = [viewer.contents.item(i).text().strip() for i in range(viewer.contents.count())]
    assert "Keyboard shortcuts" in titles
    viewer.contents.setCurrentRow(titles.index("Export formats"))
    assert viewer.browser.textCursor().block().text() == "Export formats"
    assert viewer.find_text("Ctrl+Shift+E")
    viewer.close()


def test_the_guide_is_the_web_guide() -> None:
    assert GUIDE_FILE.resolve() == (REPO / "docs" / "guide.md").resolve()
    headings = [title for _, title in guide_headings(GUIDE_FILE.read_text(encoding="utf-8"))]
    assert len(headings) >= 8


def test_about_names_the_version_qt_and_the_database(window: MainWindow, project: Path) -> None:
    text = about_text(window)
    assert __version__ in text and qVersion() in text
    assert str(project.resolve() / "annotator.sqlite") in text


def test_the_title_names_the_project_and_the_document(window: MainWindow) -> None:
    title = window.windowTitle()
    assert window.project is not None and window.project.name in title
    assert "Antony Blinken said" in title  # the first document's title
    window.step_document(1)
    assert "Uzbekistan hosted talks" in window.windowTitle()


def test_open_quit_after_closes_the_window_offscreen(project: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "annotator",
            "open",
            str(project),
            "--user",
            "x",
            "--quit-after",
            "300",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "shown: mainWindow" in done.stdout
    assert settings.last_project() == project.resolve()


def test_without_a_last_project_the_program_starts_on_the_welcome_screen() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "open", "--quit-after", "300"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "shown: welcomeScreen" in done.stdout


def test_dark_theme_keeps_the_compare_windows_article_and_chips_readable(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Chosen in Preferences while a compare window is open: its article turns
    light too, and text on a label's colour stays dark."""
    app = ensure_application()
    view = window.view
    view.set_text_selection(*find(view, "Astana"))
    qtbot.keyClicks(view, "g")
    compare = window.review.open_compare("alice", "gold")
    assert compare is not None
    qtbot.addWidget(compare)

    def choose_dark(dialog: PreferencesDialog) -> None:
        dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
        dialog.accept()

    try:
        answer_modal(qtbot, PreferencesDialog, choose_dark)
        assert edit_preferences(window)
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 100
        for article in (window.view, compare.view):
            assert article.palette().color(QPalette.ColorRole.Base).lightness() > 200
            assert article.palette().color(QPalette.ColorRole.Text).lightness() < 60
        # A compare window opened in the dark theme starts light.
        later = window.review.open_compare("alice", "gold")
        assert later is not None
        qtbot.addWidget(later)
        assert later.view.palette().color(QPalette.ColorRole.Base).lightness() > 200
        # Chips on label colours: the legend's and the selected span's.
        assert "color:#1a1a1a" in compare.legend.text()
        view.select_span(window.span_model.spans()[0].id)
        assert "color:#1a1a1a" in window.details.title.text()
    finally:
        apply_theme(app, "system")
        settings.set_theme("system")
        for shown in QApplication.topLevelWidgets():
            apply_article_palette(shown)
