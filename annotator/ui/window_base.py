"""The main window as the modules it uses see it.

The Review menu, the suggestions, the preferences and the help take the main
window and call it back; they are typed against :class:`AnnotationWindow`, of
which :class:`annotator.ui.main_window.MainWindow` is the one subclass, so that
they need not import main_window, which imports them: the package has no import
cycle (tests/test_no_import_cycles.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMessageBox

from annotator.ui.plain import literal

if TYPE_CHECKING:
    from annotator.app.project import Project
    from annotator.app.review import Database
    from annotator.app.workspace import Workspace
    from annotator.core.commands import Command, EditStore
    from annotator.core.model import SpanData
    from annotator.core.schema import RelationType
    from annotator.ui.article_view import ArticleView
    from annotator.ui.document_list import DocumentPanel
    from annotator.ui.panels import LabelPalette
    from annotator.ui.view_modes import ViewModeBox


class AnnotationWindow(QMainWindow):
    """What of the main window its menus, dialogs and helpers use."""

    user: str
    document_id: int | None
    is_reviewer: bool
    view: ArticleView
    label_palette: LabelPalette
    mode_combo: ViewModeBox
    documents: DocumentPanel
    action_by_id: dict[str, QAction]
    """Its actions by their id in :data:`annotator.ui.actions.MAIN_WINDOW`."""

    @property
    def workspace(self) -> Workspace:
        """The open project, its database, edit store, history and kept edits
        (``annotator/app/workspace.py``); an empty one when no project is open.
        Helpers reach the project through it and the application package."""
        raise NotImplementedError

    @property
    def project(self) -> Project | None:
        return self.workspace.project

    # The workspace's database and edit store: review_menu.py and suggestions.py
    # still read these two (issue 13) and the tests check them.

    @property
    def db(self) -> Database | None:
        return self.workspace.db

    @property
    def store(self) -> EditStore | None:
        """The open workspace's edit store (its versions, its kept edits)."""
        return self.workspace.store

    def open_project(self, directory: Path | str) -> bool:
        raise NotImplementedError

    def refresh_documents(self) -> None:
        """Read the list of documents again (after an import)."""
        raise NotImplementedError

    def show_document(self, document_id: int, *, top_first: bool = True) -> None:
        raise NotImplementedError

    def set_view_mode(self, mode: str, annotator: str | None = None) -> None:
        raise NotImplementedError

    def visible_annotators(self) -> set[str] | None:
        """Whose spans are shown (None: everyone's)."""
        raise NotImplementedError

    def run(self, command: Command) -> bool:
        raise NotImplementedError

    @property
    def layer(self) -> str:
        """The layer edits go to: the user's, or gold when a reviewer shows it."""
        raise NotImplementedError

    def choose_relation_type(self, types: list[RelationType], target: SpanData) -> str | None:
        """Which relation to make when the schema allows several (None: cancelled)."""
        raise NotImplementedError

    def refresh_details(self) -> None:
        """Show the selected span in the details panel again."""
        raise NotImplementedError

    def _show_problem(self, title: str, text: str) -> None:
        """In the status bar, and in a warning box when the window is on screen."""
        self.statusBar().showMessage(text, 10000)
        if self.isVisible():
            QMessageBox.warning(self, title, literal(text))
