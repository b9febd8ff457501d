"""The first-run screens: the welcome screen and the one-time name prompt.

`annotator` with no project to open (first run, or the last project is gone)
shows :class:`WelcomeScreen`; choosing a project emits ``projectChosen`` and
the launcher (annotator/ui/app.py) opens it in the main window.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import InputProblem
from annotator.core.model import name_problem
from annotator.paths import ICONS_DIR
from annotator.ui import settings
from annotator.ui.plain import literal


class WelcomeScreen(QWidget):
    """Open the sample, make a new project, open one, or pick a recent one."""

    projectChosen = Signal(str, bool)
    """The project folder, and whether it is the sample (which starts the tour)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeScreen")
        self.setWindowTitle("Welcome — Annotator")
        self.setWindowIcon(QIcon(str(ICONS_DIR / "annotator.svg")))
        self.resize(760, 460)

        icon = QLabel()
        icon.setPixmap(QIcon(str(ICONS_DIR / "annotator.svg")).pixmap(72, 72))
        title = QLabel("<h1 style='margin:0'>Annotator</h1>")
        subtitle = QLabel(
            "Highlight claims, quotes and entities in news articles, link quotes to "
            "their speakers, compare annotators and export labeled datasets."
        )
        subtitle.setWordWrap(True)
        heading_text = QVBoxLayout()
        heading_text.addWidget(title)
        heading_text.addWidget(subtitle)
        heading = QHBoxLayout()
        heading.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        heading.addLayout(heading_text, 1)

        self.sample_button = self._button(
            "openSampleButton",
            "Open the sample project",
            "A news article and three news-wire texts, with a short tour: the best place to start.",
        )
        self.new_button = self._button(
            "newProjectButton", "New project…", "An empty project with the news labels."
        )
        self.open_button = self._button(
            "openProjectButton", "Open project…", "A folder with a project.yaml in it."
        )
        self.sample_button.setDefault(True)
        self.sample_button.clicked.connect(self.open_sample)
        self.new_button.clicked.connect(self.new_project)
        self.open_button.clicked.connect(self.open_project)

        actions = QVBoxLayout()
        actions.addWidget(QLabel("<b>Start</b>"))
        for button in (self.sample_button, self.new_button, self.open_button):
            actions.addWidget(button)
        actions.addStretch(1)

        self.recent = QListWidget()
        self.recent.setObjectName("recentProjects")
        self.recent.itemActivated.connect(self._recent_activated)
        self.recent.setTextElideMode(Qt.TextElideMode.ElideLeft)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent.setSpacing(3)
        self.recent.setToolTip("Double-click to open")
        self.no_recent = QLabel("No recent projects yet.")
        self.no_recent.setObjectName("noRecentProjects")
        recent_box = QVBoxLayout()
        recent_box.addWidget(QLabel("<b>Recent projects</b>"))
        recent_box.addWidget(self.recent, 1)
        recent_box.addWidget(self.no_recent)

        columns = QHBoxLayout()
        columns.addLayout(actions, 1)
        columns.addSpacing(16)
        columns.addLayout(recent_box, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addLayout(heading)
        layout.addSpacing(12)
        layout.addLayout(columns, 1)
        help_line = QLabel(
            "Help → User guide (F1) explains the keys, the label schema, exports and "
            "team databases."
        )
        help_line.setEnabled(False)
        layout.addWidget(help_line)
        self.fill_recent()

    @staticmethod
    def _button(name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setMinimumHeight(40)
        return button

    def fill_recent(self) -> None:
        self.recent.clear()
        for path in settings.recent_projects():
            if not Path(path).is_dir():
                continue
            item = QListWidgetItem(f"{Path(path).name}\n{path}")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(literal(path))
            self.recent.addItem(item)
        self.recent.setVisible(self.recent.count() > 0)
        self.no_recent.setVisible(self.recent.count() == 0)

    def recent_paths(self) -> list[str]:
        return [
            str(self.recent.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.recent.count())
        ]

    def _recent_activated(self, item: QListWidgetItem) -> None:
        self.projectChosen.emit(str(item.data(Qt.ItemDataRole.UserRole)), False)

    # --- the three buttons ---------------------------------------------------

    def open_sample(self) -> None:
        from annotator.paths import user_sample_project

        try:
            sample = user_sample_project()
        except OSError as exc:
            self._problem("Cannot copy the sample project", str(exc))
            return
        self.projectChosen.emit(str(sample), True)

    def new_project(self) -> None:
        from annotator.app.project import create_project

        folder = self.choose_new_folder()
        if folder is None:
            return
        try:
            create_project(folder)
        except InputProblem as problem:
            self._problem("Cannot create the project", str(problem))
            return
        self.projectChosen.emit(str(folder), False)

    def open_project(self) -> None:
        folder = self.choose_project_folder()
        if folder is not None:
            self.projectChosen.emit(str(folder), False)

    def choose_new_folder(self) -> Path | None:
        """Ask for the new project's folder (tests replace it on the instance)."""
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the new project")
        return Path(chosen) if chosen else None

    def choose_project_folder(self) -> Path | None:
        """Ask for a project folder (tests replace it on the instance)."""
        chosen = QFileDialog.getExistingDirectory(self, "Open a project folder")
        return Path(chosen) if chosen else None

    def _problem(self, title: str, text: str) -> None:
        if self.isVisible():
            QMessageBox.warning(self, title, literal(text))


class NameDialog(QDialog):
    """Asks for the name the analyst's spans are stored under (first run only)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nameDialog")
        self.setWindowTitle("Your name — Annotator")
        explanation = QLabel(
            "Every span you make is stored with your name, so that your work and your "
            "colleagues' can be told apart and compared.\n\nYou can change it later "
            "in Edit → Preferences."
        )
        explanation.setWordWrap(True)
        self.edit = QLineEdit(login_name())
        self.edit.setObjectName("nameEdit")
        self.edit.selectAll()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        self.edit.textChanged.connect(
            lambda text: buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
                name_problem(text.strip()) is None  # never "gold": no one's name
            )
        )
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(QLabel("Your name:"))
        layout.addWidget(self.edit)
        layout.addWidget(buttons)

    def name(self) -> str:
        return self.edit.text().strip()


def login_name() -> str:
    try:
        return getpass.getuser() or "annotator"
    except (KeyError, OSError):
        return "annotator"


def ensure_analyst_name(parent: QWidget | None = None) -> str:
    """The analyst's name: asked once (the first run), then always the stored one.

    Closing the dialog without an answer keeps the login name, which is stored
    too: the question is never asked again. Preferences change it later.
    """
    if settings.has_user_name() and name_problem(settings.default_user()) is None:
        return settings.default_user()
    dialog = NameDialog(parent)
    dialog.exec()
    name = dialog.name()
    if name_problem(name) is not None:
        name = login_name()
    dialog.deleteLater()
    settings.remember_user(name)
    return name
