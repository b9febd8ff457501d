"""Review in the window: compare mode and adjudication, comments, the agreement
report and the progress dashboard (issue 5).

The main window opens compare mode with :func:`open_compare`; everything here
works on a project's database and needs nothing of the main window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from annotator.ui.review.compare_window import CompareWindow
    from annotator.ui.review.dashboard import ProgressDashboard
    from annotator.ui.review.report import AgreementReportWidget


def open_compare(
    project_dir: Path | str, user: str, document_id: int, a: str, b: str
) -> CompareWindow:
    """Show compare mode for layers ``a`` and ``b`` of a document; returns the window.

    Opens the project's own database connection (closed with the window) and
    creates the QApplication if there is none. ``b`` may be ``"gold"``.
    Raises the project's problem (an InputProblem) or
    :class:`annotator.core.errors.NotFound` for an unknown document.
    """
    from annotator.app.adjudication import open_review_workspace
    from annotator.ui.qapp import ensure_application
    from annotator.ui.review.compare_window import CompareWindow

    ensure_application()
    workspace = open_review_workspace(project_dir)
    assert workspace.db is not None
    try:
        window = CompareWindow(workspace.db, user, document_id, a, b, workspace=workspace)
    except Exception:
        workspace.close()
        raise
    window.show()
    window.activateWindow()
    return window


def open_agreement_report(
    project_dir: Path | str,
    user: str,
    annotators: list[str] | None = None,
    compare: Callable[[int, str, str], QWidget | None] | None = None,
) -> AgreementReportWidget | None:
    """Show the agreement report of a project; a double-clicked document opens in
    compare mode: by ``compare`` (document id, the two layers; the main
    window's, whose gold edits it takes), else here (the windows opened are
    kept in the report's ``compare_windows``).

    The report shows at once and works its figures out in the report's worker
    process (:meth:`AgreementReportWidget.load`), saying so meanwhile; a
    project with fewer than two annotators with spans, or one that cannot be
    read, is said in the report. None when fewer than two annotators are named.
    """
    from annotator.ui.qapp import ensure_application
    from annotator.ui.review.report import AgreementReportWidget

    if annotators and len(annotators) < 2:
        return None
    ensure_application()
    widget = AgreementReportWidget()
    widget.load(project_dir, annotators)  # the worker starts while the report is shown

    def compare_here(document_id: int, a: str, b: str) -> None:
        widget.compare_windows.append(open_compare(project_dir, user, document_id, a, b))

    widget.compareRequested.connect(compare if compare is not None else compare_here)
    widget.setWindowTitle("Agreement")
    widget.resize(900, 600)
    widget.show()
    return widget


def open_progress(project_dir: Path | str) -> ProgressDashboard:
    """Show the progress dashboard of a project."""
    from annotator.app.review import project_people
    from annotator.app.workspace import Workspace
    from annotator.ui.plain import window_title
    from annotator.ui.qapp import ensure_application
    from annotator.ui.review.dashboard import ProgressDashboard

    ensure_application()
    workspace = Workspace.open(project_dir)
    project, db = workspace.project, workspace.db
    assert project is not None and db is not None
    try:
        dashboard = ProgressDashboard.load(db, project_people(project), project.schema)
    finally:
        workspace.close()
    dashboard.setWindowTitle(window_title(f"Progress — {project.name}"))
    dashboard.resize(800, 500)
    dashboard.show()
    return dashboard
