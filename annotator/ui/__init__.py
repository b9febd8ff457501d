"""The annotation window (PySide6). Only this package imports Qt."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow


def open_window(project_dir: Path | str, user: str | None = None) -> MainWindow:
    """Build the main window in this process, open a project and show it.

    Creates the QApplication if there is none yet. Raises the project's
    problem (an InputProblem) if it cannot be opened.
    """
    from annotator.ui.app import ensure_application
    from annotator.ui.main_window import MainWindow

    ensure_application()
    window = MainWindow(user=user)
    window.show()
    window.activateWindow()
    if not window.open_project(project_dir):
        window.close()
        from annotator.core.errors import ProjectProblem

        raise ProjectProblem(Path(project_dir), window.statusBar().currentMessage())
    return window
