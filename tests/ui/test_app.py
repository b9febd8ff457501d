"""Start-up, remembered settings, importing, and long articles."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.core.model import SpanData
from annotator.ui import open_window, settings
from annotator.ui.app import startup_project
from annotator.ui.article_view import ArticleView
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag, find, key, stored_spans


def test_settings_live_in_the_throwaway_home() -> None:
    real_home = pwd.getpwuid(os.getuid()).pw_dir
    assert str(settings.settings_path()).startswith(os.environ["HOME"])
    assert not str(settings.settings_path()).startswith(real_home + "/")


def test_startup_opens_the_last_project_else_the_welcome_screen(project: Path) -> None:
    assert startup_project(None) is None  # the welcome screen (tests/ui/test_desktop.py)
    settings.remember_project(project)
    assert startup_project(None) == project.resolve()
    assert startup_project("elsewhere") == Path("elsewhere")
    assert settings.recent_projects() == [str(project.resolve())]


def test_layout_font_size_and_project_are_remembered(qtbot: QtBot, project: Path) -> None:
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    size = window.view.font().pointSize()
    qtbot.keyClick(window.view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.view.font().pointSize() == size + 1
    window.resize(760, 580)  # the offscreen screen is 800x600
    window.close()

    again = MainWindow(user="alice")
    qtbot.addWidget(again)
    assert again.view.font().pointSize() == size + 1
    assert (again.size().width(), again.size().height()) == (760, 580)
    assert settings.last_project() == project.resolve()
    again.close()


def test_import_files_shows_progress_and_adds_documents(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    paths = []
    for i in range(5):
        path = folder / f"article-{i}.txt"
        path.write_text(f"Article number {i} about Bishkek.\n", encoding="utf-8")
        paths.append(path)
    added = window.import_files(paths)
    assert added == 5
    assert window.documents.tree.topLevelItemCount() == 8
    assert "Imported 5 documents" in window.statusBar().currentMessage()


def test_a_long_article_opens_without_freezing(qtbot: QtBot, window: MainWindow) -> None:
    """Only the visible paragraphs are styled before the view returns; the rest follows."""
    paragraph = "Officials met in Astana and Tashkent on Tuesday to talk trade. " * 8
    text = "\n".join([paragraph] * 3000)  # about 1.5 MB
    spans = []
    for block in range(3000):
        base = block * (len(paragraph) + 1)
        for k, (word, label) in enumerate((("Astana", "Location"), ("Tashkent", "Location"))):
            start = base + paragraph.index(word)
            spans.append(
                SpanData(block * 2 + k + 1, 1, "alice", label, start, start + len(word), word)
            )
    view: ArticleView = window.view
    began = time.perf_counter()
    with qtbot.waitSignal(view.stylingFinished, timeout=20_000):
        view.set_content(text, spans)
        returned = time.perf_counter() - began
        assert not view.styling_done
    assert returned < 1.0, f"set_content blocked for {returned:.2f} s"
    assert view.styling_done
    # The last paragraph is coloured too.
    last = spans[-1]
    block = view.document().findBlock(last.start)
    assert block.layout().formats(), "the last paragraph was never styled"


def test_the_window_module_does_not_import_the_database_layer() -> None:
    """The window shows before the database code is loaded (cold start)."""
    code = (
        "import sys; import annotator.ui.main_window, annotator.ui.app; "
        "print('sqlalchemy' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_span_added_in_one_window_is_on_disk_at_once(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "Tashkent" if "Tashkent" in view.text else "Astana"))
    key(qtbot, view, "g")
    # No save step: another reader sees it immediately.
    assert len(stored_spans(project)) == 1


RUN_APP_AND_LOOK = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from annotator.ui.app import ensure_application, run_app
from annotator.ui.main_window import MainWindow

app = ensure_application()

def look_and_quit():
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    print(shown[-1].user if shown else None, shown[-1].documents.tree.topLevelItemCount() if shown else 0)
    app.closeAllWindows()
    QApplication.exit(0)

QTimer.singleShot(1500, look_and_quit)
sys.exit(run_app(sys.argv[1], user="carol"))
"""


def test_run_app_shows_the_window_then_opens_the_project(project: Path) -> None:
    # In a process of its own: once the application's own loop has run and
    # ended, Qt ends every later event loop at once, so no later test could wait.
    done = subprocess.run(
        [sys.executable, "-c", RUN_APP_AND_LOOK, str(project)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["carol", "3"]
    assert settings.default_user() == "carol"


def test_reopening_returns_to_the_last_document(qtbot: QtBot, project: Path) -> None:
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    last = window.documents.document_ids()[-1]
    window.show_document(last)
    window.close()
    again = open_window(project, user="alice")
    qtbot.addWidget(again)
    assert again.document_id == last
    again.close()
