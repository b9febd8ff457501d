"""Help menu: the user guide shown inside the program, and About.

The guide is docs/guide.md, shipped with the program (annotator/paths.py
finds it in a checkout, a wheel or a bundle) and rendered by QTextBrowser's
Markdown support; the same file is the web version.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QIcon, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator import __version__
from annotator.paths import GUIDE_FILE, ICONS_DIR, is_frozen, user_data_dir
from annotator.ui import settings
from annotator.ui.actions import MARKER_LINE, fill_shortcut_tables
from annotator.ui.plain import escape
from annotator.ui.window_base import AnnotationWindow

HEADING = re.compile(r"^(#{2,3})\s+(.*?)\s*$")


def guide_text(path: Path = GUIDE_FILE) -> str:
    """The guide, its tables of keys written from the windows' actions (ui/actions.py)."""
    try:
        markdown = path.read_text(encoding="utf-8")
    except OSError:
        return f"# User guide\n\nThe guide was not found at `{path}`."
    return MARKER_LINE.sub("", fill_shortcut_tables(markdown))


def guide_headings(markdown: str) -> list[tuple[int, str]]:
    """(level, title) of the ## and ### headings, outside code blocks."""
    headings: list[tuple[int, str]] = []
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        match = HEADING.match(line) if not in_code else None
        if match:
            headings.append((len(match.group(1)), match.group(2).replace("`", "")))
    return headings


class HelpViewer(QWidget):
    """The guide in a window of its own: contents on the left, a search field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("helpViewer")
        self.setWindowTitle("User guide — Annotator")
        self.setWindowIcon(QIcon(str(ICONS_DIR / "annotator.svg")))
        self.resize(980, 720)

        self.browser = QTextBrowser()
        self.browser.setObjectName("guideBrowser")
        self.browser.setOpenExternalLinks(True)
        markdown = guide_text()
        self.browser.setMarkdown(markdown)
        self.browser.document().setDocumentMargin(16)

        self.contents = QListWidget()
        self.contents.setObjectName("guideContents")
        for level, title in guide_headings(markdown):
            item = QListWidgetItem(("    " if level == 3 else "") + title)
            item.setData(Qt.ItemDataRole.UserRole, title)
            self.contents.addItem(item)
        self.contents.currentItemChanged.connect(
            lambda item, _prev: (
                item is not None and self.show_section(str(item.data(Qt.ItemDataRole.UserRole)))
            )
        )

        self.search = QLineEdit()
        self.search.setObjectName("guideSearch")
        self.search.setPlaceholderText("Find in the guide (Enter for the next match)")
        self.search.returnPressed.connect(lambda: self.find_text(self.search.text()))

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.contents, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 730])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    def show_section(self, title: str) -> bool:
        """Scroll so the heading ``title`` is at the top; False when not found."""
        document = self.browser.document()
        cursor = QTextCursor(document)
        while True:
            cursor = document.find(title, cursor)
            if cursor.isNull():
                return False
            if cursor.block().blockFormat().headingLevel() > 0:
                break
        self.browser.moveCursor(QTextCursor.MoveOperation.End)  # heading ends up on top
        cursor.clearSelection()
        self.browser.setTextCursor(cursor)
        self.browser.ensureCursorVisible()
        return True

    def find_text(self, text: str) -> bool:
        if not text:
            return False
        if self.browser.find(text):
            return True
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)  # wrap around
        return self.browser.find(text)


def about_text(window: AnnotationWindow | None) -> str:
    database = window.workspace.database_location() if window is not None else "no project open"
    build = "self-contained build" if is_frozen() else f"Python {sys.version.split()[0]}"
    return (
        f"<h3>Annotator {__version__}</h3>"
        "<p>Mark claims, quotes and entities in news articles, link quotes to their "
        "speakers, compare annotators and export labeled datasets.</p>"
        "<table>"
        f"<tr><td>Version</td><td>{__version__}</td></tr>"
        f"<tr><td>Qt</td><td>{qVersion()} (PySide6 {PySide6.__version__})</td></tr>"
        f"<tr><td>Running on</td><td>{build}</td></tr>"
        f"<tr><td>Database</td><td>{escape(database)}</td></tr>"
        f"<tr><td>Settings</td><td>{escape(settings.settings_path())}</td></tr>"
        f"<tr><td>Data folder</td><td>{escape(user_data_dir())}</td></tr>"
        "</table>"
    )


def show_about(window: AnnotationWindow) -> None:
    box = QMessageBox(window)
    box.setObjectName("aboutBox")
    box.setWindowTitle("About Annotator")
    box.setIconPixmap(QIcon(str(ICONS_DIR / "annotator.svg")).pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text(window))
    box.exec()
    box.deleteLater()


def show_guide(window: QWidget, section: str | None = None) -> HelpViewer:
    """Show the guide (one viewer per window, raised if already open)."""
    viewer = window.findChild(HelpViewer, "helpViewer")
    if viewer is None:
        viewer = HelpViewer(window)
    viewer.show()
    viewer.raise_()
    viewer.activateWindow()
    if section:
        viewer.show_section(section)
    return viewer
