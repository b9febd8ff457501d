"""Starting the program: the QApplication, the window, the first project."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from annotator.paths import SAMPLE_PROJECT_DIR


def ensure_application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Annotator")
    app.setOrganizationName("Annotator")
    app.setDesktopFileName("annotator")
    return app


def startup_project(project: str | Path | None) -> Path | None:
    """The project to open: the one asked for, else the last one, else the sample."""
    from annotator.ui import settings

    if project is not None:
        return Path(project)
    last = settings.last_project()
    if last is not None:
        return last
    return SAMPLE_PROJECT_DIR if SAMPLE_PROJECT_DIR.is_dir() else None


def run_app(project: str | Path | None = None, user: str | None = None) -> int:
    """Show the window, then open the project (so the window appears at once)."""
    from annotator.ui import settings
    from annotator.ui.main_window import MainWindow, show_later

    app = ensure_application()
    if user:
        settings.remember_user(user)
    window = MainWindow(user=user)
    window.show()
    show_later(window, startup_project(project))
    return int(app.exec())
