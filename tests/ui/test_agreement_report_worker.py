"""The agreement report works its figures out in a worker process of its own
(issue 14): the window answers meanwhile, the figures are the in-process
ones, a newer load replaces an older one, closing never waits, and problems
are said in the report. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QMenu, QTableView
from pytestqt.qtbot import QtBot

from annotator.app import review
from annotator.core.model import DocStatus, DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository
from annotator.ui import open_window, worker
from annotator.ui.review.report import COMPUTING, TOO_FEW, AgreementReportWidget
from tests.ui import worker_probe

WAIT = 60_000  # ms: a worker process may take a while to start on a busy machine


def _fill(project_dir: Path, *, seed: int = 5) -> None:
    """Eight documents; alice, bob and carol with random spans on each."""
    rng = random.Random(seed)
    db = load_project(project_dir).open_database()
    try:
        with db.session() as s:
            texts = [f"Article {n}: Blinken met Tokayev in Astana on Tuesday." for n in range(8)]
            for doc_id in repository.insert_documents(s, [DocumentDraft(t) for t in texts]):
                assert doc_id is not None
                for name in ("alice", "bob", "carol"):
                    for _ in range(rng.randint(1, 5)):
                        start = rng.randrange(0, 40)
                        label = rng.choice(["Person", "Location", "Event"])
                        repository.add_span(
                            s, doc_id, name, label, start, start + rng.randint(1, 9)
                        )
    finally:
        db.close()


def _in_process(project_dir: Path) -> tuple[object, object]:
    project = load_project(project_dir)
    db = project.open_database()
    try:
        loaded = review.agreement_report(db, schema=project.schema)
    finally:
        db.close()
    assert loaded is not None
    return loaded


def _cells(table: QTableView) -> list[list[str]]:
    """What a table shows, cell by cell (a QTableWidget's or a model's)."""
    model = table.model()
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_the_window_s_report_comes_from_its_worker(qtbot: QtBot, project_dir: Path) -> None:
    _fill(project_dir)
    window = open_window(project_dir, user="alice")
    qtbot.addWidget(window)
    worker.stop_worker(worker.REPORT)
    menu = window.findChild(QMenu, "reviewMenu")
    assert menu is not None
    menu.aboutToShow.emit()  # the Review menu opens: the report's worker starts
    assert worker.REPORT in worker._pools
    report = window.review.agreement()
    assert isinstance(report, AgreementReportWidget)
    qtbot.addWidget(report)
    qtbot.waitUntil(lambda: not report.computing, timeout=WAIT)
    assert report.problem is None and report.status.isHidden()
    want_report, want_documents = _in_process(project_dir)
    assert report.report == want_report
    assert report.documents == want_documents
    assert report.report is not None and report.report.annotators == ["alice", "bob", "carol"]
    assert report.pair_table.rowCount() == 3
    assert report.document_model.rowCount() == len(want_documents) == 8
    expected = AgreementReportWidget(want_report, want_documents)  # type: ignore[arg-type]
    qtbot.addWidget(expected)
    for name in ("pairTable", "labelTable", "documentTable"):
        shown = report.findChild(QTableView, name)
        made = expected.findChild(QTableView, name)
        assert shown is not None and made is not None
        assert _cells(shown) == _cells(made), name
    assert report.summary.text() == expected.summary.text()
    window.close()  # closes the report too
    assert not report.isVisible()


def test_the_window_answers_while_the_report_is_computed(qtbot: QtBot, project_dir: Path) -> None:
    _fill(project_dir)
    worker.stop_worker(worker.REPORT)  # a cold start: the longest wait there is
    report = AgreementReportWidget()
    qtbot.addWidget(report)
    report.show()
    ticks: list[bool] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(report.computing))
    timer.start()
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        report.load(project_dir)
        # load() returned at once: the report says so, and the event loop runs.
        assert report.computing
        assert report.status.text() == COMPUTING and not report.status.isHidden()
        assert report.report is None and report.document_model.rowCount() == 0
    timer.stop()
    assert True in ticks  # the timer ticked while the figures were being computed
    assert report.problem is None and report.report == _in_process(project_dir)[0]
    # Its worker is a process of its own with one thread, so it may fork.
    pid, threads = worker.worker_pool(worker.REPORT).submit(worker_probe.threads).result(60)
    assert pid != os.getpid() and threads == 1


def test_the_old_figures_stay_while_new_ones_are_computed(qtbot: QtBot, project_dir: Path) -> None:
    _fill(project_dir)
    report = AgreementReportWidget()
    qtbot.addWidget(report)
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        report.load(project_dir, ["alice", "bob"])
    assert report.report is not None and report.report.annotators == ["alice", "bob"]
    rows = report.document_model.rowCount()
    assert rows == 8
    # Keep the worker busy so that the next load waits: the old figures stay.
    busy = worker.worker_pool(worker.REPORT).submit(worker_probe.wait, 0.5)
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        report.load(project_dir)
        assert report.status.text() == COMPUTING
        assert report.document_model.rowCount() == rows and report.report.annotators == [
            "alice",
            "bob",
        ]
    busy.result(60)
    assert report.report.annotators == ["alice", "bob", "carol"]
    assert report.status.isHidden()


def test_the_report_counts_the_documents_all_marked_done_when_ticked(
    qtbot: QtBot, project_dir: Path
) -> None:
    """Unticked, every document where any of them has a span (as --all);
    ticked, those every one of them marked done (as the command's default)."""
    _fill(project_dir)
    db = load_project(project_dir).open_database()
    try:
        with db.session() as s:
            for name in ("alice", "bob"):
                repository.set_status(s, 2, name, DocStatus.DONE)
            repository.set_status(s, 3, "alice", DocStatus.DONE)
    finally:
        db.close()
    report = AgreementReportWidget()
    qtbot.addWidget(report)
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        report.load(project_dir, ["alice", "bob"])
    assert report.summary.text().startswith(
        "Agreement of alice, bob over 8 documents where any of them has a span"
    )
    box = report.done_only
    assert box.isEnabled() and not box.isChecked()
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(5, box.height() // 2))
    assert report.summary.text().startswith(
        "Agreement of alice, bob over 1 documents that every one of them marked done"
    )
    assert report.document_model.rowCount() == 1
    # With none done by every one of them, the report says what to do.
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        report.load(project_dir, ["alice", "carol"], all_documents=False)
    assert box.isChecked()
    assert report.status.text().startswith("No document is marked done by every one of them")


def test_a_new_load_replaces_the_one_under_way(qtbot: QtBot, project_dir: Path) -> None:
    _fill(project_dir)
    report = AgreementReportWidget()
    qtbot.addWidget(report)
    finished: list[object] = []
    report.loadFinished.connect(lambda: finished.append(report.report))
    worker.worker_pool(worker.REPORT).submit(worker_probe.wait, 0).result(60)  # warm
    report.load(project_dir, ["alice", "bob"])
    old_pool = worker.worker_pool(worker.REPORT)
    qtbot.waitUntil(lambda: report._future is not None and report._future.running(), timeout=WAIT)
    report.load(project_dir, ["bob", "carol"])  # the first is at work: its worker is ended
    qtbot.waitUntil(lambda: not report.computing, timeout=WAIT)
    qtbot.wait(200)  # anything the first load might still send back
    assert len(finished) == 1
    assert report.report is not None and report.report.annotators == ["bob", "carol"]
    assert worker.worker_pool(worker.REPORT) is not old_pool


def test_closing_the_report_while_it_computes_ends_its_work(
    qtbot: QtBot, project_dir: Path
) -> None:
    _fill(project_dir)
    report = AgreementReportWidget()
    qtbot.addWidget(report)
    report.show()
    finished: list[bool] = []
    report.loadFinished.connect(lambda: finished.append(True))
    pool = worker.worker_pool(worker.REPORT)
    pool.submit(worker_probe.wait, 0).result(60)  # warm
    processes = list(pool._processes.values())  # type: ignore[attr-defined]
    report.load(project_dir)
    qtbot.waitUntil(lambda: report._future is not None and report._future.running(), timeout=WAIT)
    report.close()
    assert not report.computing
    # Ended, not waited for. The pool's own thread reaps the terminated
    # process too, and the one that loses that race may see it alive for a
    # moment: the process is looked at until it is gone.
    qtbot.waitUntil(lambda: all(not p.is_alive() for p in processes), timeout=5000)
    qtbot.wait(200)
    assert not finished
    # The next report gets a worker of its own.
    again = AgreementReportWidget()
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.loadFinished, timeout=WAIT):
        again.load(project_dir)
    assert again.problem is None and again.report is not None


def test_closing_one_report_never_strands_another(qtbot: QtBot, project_dir: Path) -> None:
    _fill(project_dir)
    first, second = AgreementReportWidget(), AgreementReportWidget()
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    worker.worker_pool(worker.REPORT).submit(worker_probe.wait, 0).result(60)  # warm
    first.load(project_dir)
    second.load(project_dir, ["alice", "carol"])  # waits for the worker
    qtbot.waitUntil(lambda: first._future is not None and first._future.running(), timeout=WAIT)
    first.close()  # ends the worker: the second asks a new one
    with qtbot.waitSignal(second.loadFinished, timeout=WAIT):
        pass
    assert second.problem is None
    assert second.report is not None and second.report.annotators == ["alice", "carol"]


def test_an_unreadable_database_is_said_in_the_report(qtbot: QtBot, project_dir: Path) -> None:
    project = load_project(project_dir)
    if not project.database_url.startswith("sqlite"):  # a server database that is not there
        config = project_dir / "project.yaml"
        url = project.database
        gone = url.rsplit("/", 1)[0] + "/annotator_no_such_database"
        config.write_text(config.read_text(encoding="utf-8").replace(url, gone), encoding="utf-8")
    else:
        database = project_dir / "annotator.sqlite"
        database.write_bytes(b"this is not a database" * 100)
    report = AgreementReportWidget()
    qtbot.addWidget(report)
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        report.load(project_dir)
    assert report.problem is not None
    assert report.problem.startswith("Could not compute the agreement: ")
    assert "Traceback" not in report.problem, report.problem
    assert not report.status.isHidden() and report.status.text() == report.problem
    assert report.report is None and report.pair_table.rowCount() == 0


def test_a_worker_that_dies_is_said_in_the_report(qtbot: QtBot, project_dir: Path) -> None:
    _fill(project_dir)
    report = AgreementReportWidget()
    qtbot.addWidget(report)
    pool = worker.worker_pool(worker.REPORT)
    pool.submit(worker_probe.wait, 0).result(60)  # warm
    busy = pool.submit(worker_probe.wait, 30)  # the load waits behind this
    report.load(project_dir)
    (process,) = pool._processes.values()  # type: ignore[attr-defined]
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        process.kill()
    assert busy.exception() is not None
    assert report.problem is not None and "worker process stopped" in report.problem
    # The next load starts another worker.
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        report.load(project_dir)
    assert report.problem is None and report.report is not None
    assert report.status.isHidden()


def test_too_few_annotators_is_said_in_the_report(qtbot: QtBot, project_dir: Path) -> None:
    report = AgreementReportWidget()
    qtbot.addWidget(report)
    with qtbot.waitSignal(report.loadFinished, timeout=WAIT):
        report.load(project_dir)  # nobody has a span
    assert report.problem == TOO_FEW and report.status.text() == TOO_FEW


@pytest.fixture(autouse=True)
def _fresh_report_worker() -> None:
    """Each test meets the report's worker as it finds it; none is left at work."""
    yield
    worker.stop_worker(worker.REPORT, now=True)
