"""Files in and out of a project, for the main window: a new project, articles
imported, a dataset exported, the latest backup restored when the database
will not open. Each asks what it needs, shows progress, runs the application
package's operation and says in the status bar what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog

from annotator.core.errors import InputProblem
from annotator.core.model import GOLD_ANNOTATOR, DocStatus
from annotator.ui.plain import literal

if TYPE_CHECKING:
    from annotator.app.workspace import DatabaseNotOpened
    from annotator.ui.window_base import AnnotationWindow


class ProjectFiles:
    """The File menu's new project, import and export, and the backup offer."""

    def __init__(self, window: AnnotationWindow) -> None:
        self.window = window

    def new_project_dialog(self) -> None:
        from annotator.app.project import create_project

        window = self.window
        directory = QFileDialog.getExistingDirectory(window, "Folder for the new project")
        if not directory:
            return
        try:
            create_project(Path(directory))
        except InputProblem as problem:
            window._show_problem("Cannot create the project", str(problem))
            return
        window.open_project(directory)

    def offer_backup(self, problem: DatabaseNotOpened) -> bool:
        """The database cannot be opened: offer the latest backup (the damaged
        file is kept beside it). True when it was restored."""
        from annotator.app.maintenance import backup_time, latest_backup, restore

        window = self.window
        backup = latest_backup(problem.project)  # None on a server: its own tools restore
        if backup is None:
            window._show_problem("Cannot open the project", str(problem))
            return False
        when = backup_time(backup)
        made = f", from {when:%Y-%m-%d %H:%M} UTC," if when is not None else ""
        answer = QMessageBox.question(
            window,
            "Cannot open the project",
            literal(
                f"{problem}\n\nOpen the latest backup{made} instead? The database that "
                "cannot be opened is kept beside it."
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            restore(problem.project, backup)
        except InputProblem as again:
            window._show_problem("Cannot open the backup either", str(again))
            return False
        return True

    # Import

    def import_dialog(self) -> None:
        from annotator.app.transfer import article_suffixes

        if self.window.workspace.db is None:
            return
        patterns = " ".join(f"*{suffix}" for suffix in article_suffixes())
        paths, _ = QFileDialog.getOpenFileNames(
            self.window, "Import articles", "", f"Articles ({patterns});;All files (*)"
        )
        if paths:
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: list[Path]) -> int:
        """Import files with a progress dialog; returns the number of documents added."""
        from annotator.app.transfer import import_articles

        window = self.window
        if window.workspace.db is None:
            return 0
        dialog, progress = self._progress_dialog("Importing articles…", "importProgress")
        report = import_articles(window.workspace, paths, progress)
        dialog.setValue(dialog.maximum())
        dialog.close()
        dialog.deleteLater()
        window.refresh_documents()
        message = f"Imported {_count(len(report.added), 'document')}"
        if report.duplicates:
            message += f", {len(report.duplicates)} already there"
        if report.problems:
            message += f", {len(report.problems)} problems: {report.problems[0]}"
        window.statusBar().showMessage(message, 10000)
        if window.document_id is None and report.added:
            window.show_document(report.added[0])
        elif window.document_id is not None:
            window.documents.select(window.document_id)
        return len(report.added)

    # Export

    def export_dialog(self) -> None:
        from annotator.ui.export_dialog import ExportDialog

        window = self.window
        if window.project is None:
            return
        suggested = window.project.directory / f"{window.project.directory.name}.jsonl"
        dialog = ExportDialog(window.user, suggested, window)
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            choice = dialog.choice()
            self.export_dataset(choice.format, choice.target, choice.layer, choice.done_only)
        dialog.deleteLater()

    def export_dataset(
        self, fmt: str, target: Path, layer: str = "mine", done_only: bool = False
    ) -> bool:
        """Write a dataset, showing progress; True when written."""
        from annotator.app.transfer import (
            ExportFilter,
            ExportMismatch,
            ExportRequest,
            export_dataset,
        )

        window = self.window
        if window.workspace.db is None:
            return False
        layers = {"mine": frozenset({window.user}), "gold": frozenset({GOLD_ANNOTATOR})}
        request = ExportRequest(
            format=fmt,
            target=target,
            filter=ExportFilter(
                annotators=layers.get(layer),
                statuses=frozenset({DocStatus.DONE.value}) if done_only else None,
            ),
        )
        dialog, progress = self._progress_dialog("Exporting…", "exportProgress")
        try:
            result = export_dataset(window.workspace, request, progress)
        except (InputProblem, ExportMismatch, OSError) as exc:
            window._show_problem("Export failed", str(exc))
            return False
        finally:
            dialog.close()
            dialog.deleteLater()
        where = ", ".join(str(p) for p in result.files)
        # What a format left out (spans spaCy's tokens split, overlaps CoNLL drops,
        # split spans and entities it has no room for) is said too.
        left_out = [*result.warnings, *result.flattened.notes()]
        warnings = "".join(f"; {warning}" for warning in left_out)
        window.statusBar().showMessage(
            f"Exported {_count(result.documents, 'document')}, {_count(result.spans, 'span')} "
            f"and {_count(result.relations, 'link')} to {where}{warnings}",
            10000,
        )
        return True

    def _progress_dialog(
        self, text: str, name: str
    ) -> tuple[QProgressDialog, Callable[[int, int], None]]:
        """A modal progress bar (shown after 0.3 s) and the callback that moves it;
        the callback lets the window repaint, so it never looks frozen."""
        dialog = QProgressDialog(text, "", 0, 0, self.window)
        dialog.setObjectName(name)
        dialog.setCancelButton(None)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)

        def progress(done: int, total: int) -> None:
            dialog.setMaximum(total)
            dialog.setValue(done)
            QApplication.processEvents()

        return dialog, progress


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
