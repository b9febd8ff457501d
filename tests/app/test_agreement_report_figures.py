"""The agreement report's figures as its worker process works them out
(`annotator.app.agreement.report_figures`, `report_in_worker`; issue 14): the
same as `app.review.agreement_report` in the window's process, read directly
from SQLite or through the workspace, counted in one process or two."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.app import agreement, review
from annotator.app.agreement import ReportFigures, report_figures, report_in_worker
from annotator.io.project import load_project
from tests.app.test_agreement_read import _fill, not_directly


def _in_process(project_dir: Path, names: list[str] | None = None) -> object:
    project = load_project(project_dir)
    db = project.open_database()
    try:
        return review.agreement_report(db, names, schema=project.schema)
    finally:
        db.close()


@pytest.mark.parametrize("names", [None, ["carol", "alice"]])
def test_the_figures_are_the_window_s(project_dir: Path, names: list[str] | None) -> None:
    _fill(project_dir)
    expected = _in_process(project_dir, names)
    assert expected is not None
    assert report_figures(project_dir, names) == expected


def test_the_workspace_path_gives_the_same(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(project_dir)
    direct = report_figures(project_dir)
    monkeypatch.setattr(agreement, "_sqlite_directly", not_directly)
    assert report_figures(project_dir) == direct == _in_process(project_dir)


_IN_A_WORKER = """
import pickle, sys
from annotator.app.agreement import report_in_worker

sys.stdout.buffer.write(pickle.dumps(report_in_worker(sys.argv[1], None, True)))
"""


def test_a_process_of_its_own_gives_the_window_s_figures(project_dir: Path) -> None:
    """As the report's worker runs it: a fresh process that opens the project itself."""
    _fill(project_dir)
    done = subprocess.run(
        [sys.executable, "-c", _IN_A_WORKER, str(project_dir)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert pickle.loads(done.stdout) == ReportFigures(_in_process(project_dir))  # type: ignore[arg-type]


def test_fewer_than_two_people_is_no_figures(project_dir: Path) -> None:
    assert report_in_worker(str(project_dir), None, True) == ReportFigures(None)


def test_a_problem_comes_back_in_words(project_dir: Path) -> None:
    _fill(project_dir)
    outcome = report_in_worker(str(project_dir), ["alice", "zoe"], True)
    assert outcome.figures is None
    assert outcome.problem is not None and "'zoe'" in outcome.problem
    missing = report_in_worker(str(project_dir / "gone"), None, True)
    assert missing.figures is None and missing.problem
