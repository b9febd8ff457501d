"""The main window's Review menu and Comments panel: compare mode, the
agreement report, the progress dashboard and threaded comments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QMessageBox,
    QWidget,
)

from annotator.core.model import GOLD_ANNOTATOR
from annotator.ui.window_base import AnnotationWindow

if TYPE_CHECKING:
    from annotator.ui.review.comments import CommentsPanel


class ChooseLayers(QDialog):
    """Pick the two layers to compare (an annotator against another, or gold)."""

    def __init__(self, names: list[str], user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chooseLayers")
        self.setWindowTitle("Compare annotators")
        self.first = QComboBox()
        self.first.setObjectName("layerA")
        self.second = QComboBox()
        self.second.setObjectName("layerB")
        choices = [n for n in names if n != GOLD_ANNOTATOR] + [GOLD_ANNOTATOR]
        self.first.addItems(choices)
        self.second.addItems(choices)
        if user in choices:
            self.first.setCurrentText(user)
        self.second.setCurrentIndex(next(
            (i for i, n in enumerate(choices) if n != self.first.currentText()), 0
        ))  # fmt: skip
        form = QFormLayout(self)
        form.addRow("A:", self.first)
        form.addRow("B:", self.second)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def layers(self) -> tuple[str, str]:
        return self.first.currentText(), self.second.currentText()


class ReviewActions:
    """Keeps the review windows a main window opened, and its comments dock."""

    def __init__(self, window: AnnotationWindow) -> None:
        self.window = window
        self.opened: list[QWidget] = []
        self.comments: CommentsPanel | None = None
        self.dock = QDockWidget("Comments", window)
        self.dock.setObjectName("commentsDock")
        self.dock.hide()
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        # The Review menu is declared in ui/actions.py; its Comments is the dock's toggle.
        self.dock.visibilityChanged.connect(self._shown)

    def _shown(self, visible: bool) -> None:
        if visible:
            self.follow()

    def project_opened(self) -> None:
        from annotator.ui.review.comments import CommentsPanel

        window = self.window
        if window.db is None:
            return
        self.comments = CommentsPanel(window.db, window.user)
        self.dock.setWidget(self.comments)
        self.follow()

    def follow(self) -> None:
        """Show the comments of the selected span, else of the document."""
        window = self.window
        if self.comments is None or window.document_id is None or not self.dock.isVisible():
            return
        span_id = window.view.selected_span_id
        span = window.view.spans.get(span_id) if span_id is not None else None
        if span is not None:
            self.comments.set_target(window.document_id, span.id, f"{span.label} “{span.text}”")
        else:
            self.comments.set_target(window.document_id)

    def compare(self) -> QWidget | None:
        window = self.window
        if window.project is None or window.db is None or window.document_id is None:
            return None
        names = window.workspace.annotator_names()
        dialog = ChooseLayers(names, window.user, window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        a, b = dialog.layers()
        return self.open_compare(a, b)

    def open_compare(self, a: str, b: str, document_id: int | None = None) -> QWidget | None:
        """Compare mode on ``document_id`` (default: the one shown), its E
        editing gold here."""
        from annotator.ui.review import open_compare

        window = self.window
        document_id = document_id if document_id is not None else window.document_id
        if window.project is None or document_id is None:
            return None
        if a == b:
            window.statusBar().showMessage("Choose two different layers to compare", 5000)
            return None
        opened = open_compare(window.project.directory, window.user, document_id, a, b)
        opened.editRequested.connect(self.edit_gold)
        opened.edits_in_window = True
        self.opened.append(opened)
        return opened

    def edit_gold(self, document_id: int, start: int, end: int) -> bool:
        """Compare mode's E: show the gold layer here with that passage selected."""
        window = self.window
        if not window.is_reviewer:
            window.statusBar().showMessage("Only reviewers edit the gold layer", 5000)
            return False
        window.set_view_mode("other", GOLD_ANNOTATOR)
        window.show_document(document_id, top_first=False)
        window.view.finish_styling()
        window.view.set_text_selection(start, end, exact=True)
        window.view.setFocus()
        window.raise_()
        window.activateWindow()
        window.statusBar().showMessage(
            "Gold layer: press a label key to mark the selection, or click a gold span", 8000
        )
        return True

    def menu_shown(self) -> None:
        """The Review menu opens: start the agreement report's worker process
        now, so that the report, if chosen, does not wait for Python to start."""
        from annotator.app.agreement import warm_worker
        from annotator.ui.worker import REPORT, warm

        if self.window.project is not None:
            warm(REPORT, warm_worker)

    def agreement(self) -> QWidget | None:
        """The agreement report, shown at once; its figures come from the
        report's worker process (said in the report meanwhile)."""
        from annotator.ui.review import open_agreement_report

        window = self.window
        if window.project is None:
            return None
        report = open_agreement_report(
            window.project.directory,
            window.user,
            compare=lambda document_id, a, b: self.open_compare(a, b, document_id),
        )
        if report is None:  # only when fewer than two people are named
            QMessageBox.information(
                window, "Agreement", "Agreement needs two annotators with spans."
            )
            return None
        self.opened.append(report)
        return report

    def progress(self) -> QWidget | None:
        from annotator.ui.review import open_progress

        window = self.window
        if window.project is None:
            return None
        dashboard = open_progress(window.project.directory)
        self.opened.append(dashboard)
        return dashboard

    def changes_applied(self, document_ids: Iterable[int]) -> None:
        """Edits made here or arriving from colleagues: the compare windows on
        those documents read their layers again (their items and states were
        those of when they opened)."""
        if not self.opened:
            return
        from annotator.ui.review.compare_window import CompareWindow

        touched = set(document_ids)
        for opened in self.opened:
            if (
                isinstance(opened, CompareWindow)
                and opened.document_id in touched
                and opened.isVisible()
            ):
                opened.reload()

    def close_all(self) -> None:
        for widget in self.opened:
            widget.close()
        self.opened.clear()
