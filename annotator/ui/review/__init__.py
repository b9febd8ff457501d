"""Review in the window: compare mode and adjudication, comments, the agreement
report and the progress dashboard (issue 5).

The main window opens compare mode with :func:`open_compare`; everything here
works on a project's database and needs nothing of the main window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.ui.review.compare_window import CompareWindow


def open_compare(
    project_dir: Path | str, user: str, document_id: int, a: str, b: str
) -> CompareWindow:
    """Show compare mode for layers ``a`` and ``b`` of a document; returns the window.

    Opens the project's own database connection (closed with the window) and
    creates the QApplication if there is none. ``b`` may be ``"gold"``.
    Raises the project's problem (an InputProblem) or
    :class:`annotator.store.repository.NotFound` for an unknown document.
    """
    from annotator.io.project import load_project
    from annotator.ui.app import ensure_application
    from annotator.ui.review.compare_window import CompareWindow

    ensure_application()
    project = load_project(project_dir)
    db = project.open_database()
    try:
        window = CompareWindow(db, user, document_id, a, b, owns_database=True)
    except Exception:
        db.close()
        raise
    window.show()
    window.activateWindow()
    return window
