"""The agreement report in the window: tables per pair and per label, a heatmap of
pairwise agreement, per-document figures, lowest first, and (with the project's
schema) agreement on document labels and on attribution.

The figures are those of ``annotator agreement`` (annotator.core.agreement).
Double-clicking a document emits :attr:`AgreementReportWidget.compareRequested`
with the document and its least agreeing pair, which the caller opens in
compare mode (:func:`annotator.ui.review.open_compare`).

:meth:`AgreementReportWidget.load` works the figures out in the report's
worker process (:mod:`annotator.ui.worker`, running
:func:`annotator.app.agreement.report_in_worker`): the window answers
meanwhile, the report says "Computing agreement…" over the figures it had
(none at first), and a problem is said in the report.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.app.review import Database, DocumentFigures, agreement_report, document_figures
from annotator.core.agreement import AgreementReport, PairAgreement
from annotator.core.schema import LabelSchema
from annotator.ui.plain import plain_label

if TYPE_CHECKING:
    from concurrent.futures import Future

UNDEFINED = "n/a"
LOW = 0.5
"""Documents whose worst pair agrees less than this (exact F1) are highlighted."""

METRICS = {"exact_f1": "exact F1", "overlap_f1": "overlap F1", "kappa": "kappa"}

_ROOT = QModelIndex()
_AGAIN = "again"
"""A load's answer when its worker was ended for another report's sake."""

COMPUTING = "Computing agreement…"
TOO_FEW = "Agreement needs two annotators with spans."

__all__ = ["AgreementReportWidget", "DocumentFigures", "Heatmap", "document_figures", "load_report"]


def load_report(
    db: Database,
    annotators: Sequence[str] | None = None,
    *,
    all_documents: bool = True,
    schema: LabelSchema | None = None,
) -> tuple[AgreementReport, list[DocumentFigures]] | None:
    """The report and per-document figures for a project; None with fewer than two people."""
    return agreement_report(db, annotators, all_documents=all_documents, schema=schema)


def figure_text(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value:.3f}"


def heat_color(value: float | None) -> QColor:
    """Red (0 or below) through yellow to green (1); grey when undefined."""
    if value is None:
        return QColor("#d0d0d0")
    v = max(0.0, min(1.0, value))
    low, mid, high = QColor("#e57373"), QColor("#fff176"), QColor("#66bb6a")
    a, b, t = (low, mid, v * 2) if v < 0.5 else (mid, high, (v - 0.5) * 2)
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class Heatmap(QWidget):
    """Pairwise agreement of every two annotators as coloured cells with the figure."""

    CELL = 64

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agreementHeatmap")
        self.annotators: list[str] = []
        self.values: dict[tuple[str, str], float | None] = {}

    def set_values(
        self, annotators: Sequence[str], pairs: Sequence[PairAgreement], metric: str
    ) -> None:
        self.annotators = list(annotators)
        self.values = {}
        for pair in pairs:
            value = getattr(pair, metric)
            self.values[(pair.a, pair.b)] = value
            self.values[(pair.b, pair.a)] = value
        self.updateGeometry()
        self.update()

    def _margin(self) -> int:
        metrics = QFontMetrics(self.font())
        return max((metrics.horizontalAdvance(n) for n in self.annotators), default=0) + 12

    def sizeHint(self) -> QSize:
        n = len(self.annotators)
        margin = self._margin()
        return QSize(
            margin + n * self.CELL + 4, QFontMetrics(self.font()).height() + 8 + n * self.CELL + 4
        )

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        margin = self._margin()
        top = QFontMetrics(self.font()).height() + 8
        cell = self.CELL
        text = self.palette().windowText().color()
        for col, name in enumerate(self.annotators):
            painter.setPen(text)
            painter.drawText(
                QRectF(margin + col * cell, 0, cell, top), Qt.AlignmentFlag.AlignCenter, name
            )
        for row, a in enumerate(self.annotators):
            painter.setPen(text)
            painter.drawText(
                QRectF(0, top + row * cell, margin - 6, cell),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                a,
            )
            for col, b in enumerate(self.annotators):
                rect = QRectF(margin + col * cell, top + row * cell, cell - 2, cell - 2)
                if a == b:
                    painter.fillRect(rect, QColor("#f5f5f5"))
                    continue
                value = self.values.get((a, b))
                painter.fillRect(rect, heat_color(value))
                painter.setPen(QColor("#202020"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, figure_text(value))
        painter.end()


DOCUMENT_COLUMNS = (
    "document",
    "title",
    "least agreeing pair",
    "exact F1",
    "overlap F1",
    "kappa",
    "alpha",
)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LOW_COLOR = QColor("#fde0dc")


class DocumentFiguresModel(QAbstractTableModel):
    """The per-document figures as a table model: a cell is made when shown,
    so thousands of documents cost the GUI thread nothing to fill."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[DocumentFigures] = []

    def set_rows(self, rows: Sequence[DocumentFigures]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(DOCUMENT_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return DOCUMENT_COLUMNS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid():
            return None
        doc = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return str(doc.id)
            if column == 1:
                return doc.title
            if column == 2:
                return f"{doc.a} / {doc.b}"
            return figure_text(self._value(doc, column))
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 3:
            return _RIGHT
        low = doc.exact_f1 is not None and doc.exact_f1 < LOW
        if role == Qt.ItemDataRole.BackgroundRole and low:
            return _LOW_COLOR
        return None

    @staticmethod
    def _value(doc: DocumentFigures, column: int) -> float | None:
        return (doc.exact_f1, doc.overlap_f1, doc.kappa, doc.alpha)[column - 3]


def _view(name: str, model: QAbstractTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    _style(table, name)
    return table


def _table(name: str, headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    _style(table, name)
    return table


def _style(table: QTableView, name: str) -> None:
    table.setObjectName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)


def _cell(text: object, value: float | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(str(text))
    if value is not None or text == UNDEFINED:
        item.setTextAlignment(_RIGHT)
    return item


class _Relay(QObject):
    """Brings a worker's answer from the pool's thread to the GUI thread, to the
    report that asked for it if it is still there."""

    arrived = Signal(object, int, object)
    """(a weak reference to the report, its load number, the answer or the exception)"""

    def __init__(self) -> None:
        super().__init__()
        self.arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def _deliver(self, ref: object, number: int, outcome: object) -> None:
        report = ref() if isinstance(ref, weakref.ref) else None
        if isinstance(report, AgreementReportWidget) and shiboken6.isValid(report):
            report._show_arrived(number, outcome)


_the_relay: _Relay | None = None


def _relay() -> _Relay:
    """The one relay, made in the GUI thread on the first load."""
    global _the_relay
    if _the_relay is None:
        _the_relay = _Relay()
    return _the_relay


class AgreementReportWidget(QWidget):
    """The agreement report: pairs, labels, a heatmap and the documents, lowest first.

    Made with figures, or empty and then given them by :meth:`load`.
    """

    compareRequested = Signal(int, str, str)
    """A document to open in compare mode, with the two annotators to compare."""
    loadFinished = Signal()
    """A :meth:`load` ended: its figures are shown, or :attr:`problem` says why not."""

    def __init__(
        self,
        report: AgreementReport | None = None,
        documents: Sequence[DocumentFigures] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("agreementReport")
        self.report = report
        self.documents = list(documents)
        self.problem: str | None = None
        """Why the last load shows no figures (said in :attr:`status`), or None."""
        self._loads = 0
        self._future: Future[object] | None = None
        self._request: tuple[Path | str, Sequence[str] | None, bool] | None = None
        self.compare_windows: list[QWidget] = []
        """Compare windows opened from this report (kept alive here)."""
        self.status = plain_label()
        self.status.setObjectName("agreementStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        self.summary = plain_label()
        self.summary.setObjectName("agreementSummary")
        self.summary.setWordWrap(True)
        self.all_documents = True
        """The figures are over every document where any of them has a span
        (``annotator agreement --all``), else over those all of them marked done."""
        self.done_only = QCheckBox("Only documents every one of them marked done")
        self.done_only.setObjectName("agreementDoneOnly")
        self.done_only.setToolTip(
            "As `annotator agreement` counts by default; unticked, as with --all: every "
            "document where any of them has a span"
        )
        self.done_only.setEnabled(False)  # once a load names the project
        self.done_only.toggled.connect(self._scope_chosen)
        self.tabs = QTabWidget()
        self.pair_table = _table("pairTable", ["pair", "exact F1", "overlap F1", "kappa"])
        self.label_table = _table(
            "labelTable", ["label", "pair", "exact F1", "overlap F1", "kappa", "alpha (all)"]
        )
        self.heatmap = Heatmap()
        self.metric_box = QComboBox()
        self.metric_box.setObjectName("heatmapMetric")
        for key, title in METRICS.items():
            self.metric_box.addItem(title, key)
        self.metric_box.currentIndexChanged.connect(self._fill_heatmap)
        heat_page = QWidget()
        heat_layout = QVBoxLayout(heat_page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Figure:"))
        row.addWidget(self.metric_box)
        row.addStretch(1)
        heat_layout.addLayout(row)
        heat_layout.addWidget(self.heatmap)
        heat_layout.addStretch(1)
        self.document_model = DocumentFiguresModel(self)
        self.document_table = _view("documentTable", self.document_model)
        self.document_table.setToolTip("Double-click a document to open it in compare mode")
        self.document_table.doubleClicked.connect(self._document_activated)
        self.tabs.addTab(self.pair_table, "Pairs")
        self.tabs.addTab(self.label_table, "Labels")
        self.tabs.addTab(heat_page, "Heatmap")
        self.tabs.addTab(self.document_table, "Documents")
        self.document_label_table = _table(
            "documentLabelTable", ["document label", "pair", "kappa", "documents", "alpha (all)"]
        )
        self.attribution_table = _table(
            "attributionTable", ["attribution", "compared", "same speaker", "agreement"]
        )
        self.attribution_title = QLabel()
        self.attribution_title.setWordWrap(True)
        self.who_page = QWidget()
        who_layout = QVBoxLayout(self.who_page)
        who_layout.addWidget(QLabel("Document labels (kappa per pair, alpha for all):"))
        who_layout.addWidget(self.document_label_table, 1)
        who_layout.addWidget(self.attribution_title)
        who_layout.addWidget(self.attribution_table, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.done_only)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        self._fill()

    @classmethod
    def from_database(
        cls,
        db: Database,
        annotators: Sequence[str] | None = None,
        *,
        all_documents: bool = True,
        schema: LabelSchema | None = None,
        parent: QWidget | None = None,
    ) -> AgreementReportWidget | None:
        """The report of ``db``'s project worked out here, in this thread; with
        its ``schema``, the document labels and attribution too. None with
        fewer than two people."""
        loaded = load_report(db, annotators, all_documents=all_documents, schema=schema)
        if loaded is None:
            return None
        widget = cls(*loaded, parent=parent)
        widget.all_documents = all_documents
        widget._fill()
        return widget

    # --- loading in the worker process -------------------------------------------

    def load(
        self,
        project_dir: Path | str,
        annotators: Sequence[str] | None = None,
        *,
        all_documents: bool = True,
    ) -> None:
        """Work out the report of the project in ``project_dir`` in the report's
        worker process, which opens the project itself; returns at once.

        The report says "Computing agreement…" (over the figures it shows, if
        any) until the figures come; :attr:`loadFinished` is emitted then, or
        when a problem is shown instead. A load asked for while another runs
        replaces it (the older one's answer is never shown).
        """
        from annotator.app.agreement import report_in_worker
        from annotator.ui.worker import REPORT, ended_on_purpose, worker_pool

        self._abandon()
        self._loads += 1
        number = self._loads
        self._request = (project_dir, annotators, all_documents)
        self.all_documents = all_documents
        self.done_only.blockSignals(True)
        self.done_only.setChecked(not all_documents)
        self.done_only.blockSignals(False)
        self.done_only.setEnabled(True)
        self.problem = None
        self._show_status(COMPUTING)
        try:
            pool = worker_pool(REPORT)
            future: Future[object] = pool.submit(
                report_in_worker,
                str(project_dir),
                list(annotators) if annotators else None,
                all_documents,
            )
        except (RuntimeError, OSError) as exc:  # no process could be started
            self._fail(f"Could not compute the agreement: no worker process ({exc})")
            self.loadFinished.emit()
            return
        self._future = future
        reply = _relay().arrived
        report = weakref.ref(self)

        def done(finished: Future[object]) -> None:  # in the pool's thread
            outcome: object
            if finished.cancelled() or ended_on_purpose(pool):
                outcome = _AGAIN  # another report ended the worker: ask again
            else:
                error = finished.exception()
                outcome = error if error is not None else finished.result()
            # Through the relay, which outlives any report: a report's own
            # signal, emitted here after the report is deleted, would crash.
            reply.emit(report, number, outcome)

        future.add_done_callback(done)

    def _scope_chosen(self, done_only: bool) -> None:
        if self._request is not None:
            project_dir, annotators, _ = self._request
            self.load(project_dir, annotators, all_documents=not done_only)

    @property
    def computing(self) -> bool:
        """A :meth:`load` is under way."""
        return self._future is not None

    def _abandon(self) -> None:
        """Let the load under way go: never shown; its worker ended if it has begun."""
        from annotator.ui.worker import REPORT, stop_worker

        future, self._future = self._future, None
        self._loads += 1  # whatever it sends back is not shown
        if future is not None and not future.cancel() and not future.done():
            stop_worker(REPORT, now=True)  # at work: a new one starts for the next load

    def _show_arrived(self, number: int, outcome: object) -> None:
        from annotator.app.agreement import ReportFigures

        if number != self._loads:
            return
        self._future = None
        if outcome is _AGAIN and self._request is not None:
            project_dir, annotators, all_documents = self._request
            self.load(project_dir, annotators, all_documents=all_documents)
            return
        if isinstance(outcome, ReportFigures) and outcome.figures is not None:
            self.report, documents = outcome.figures
            self.documents = list(documents)
            self.status.hide()
            self._fill()
        elif isinstance(outcome, ReportFigures) and outcome.problem is None:
            self._fail(TOO_FEW)
        elif isinstance(outcome, ReportFigures):
            self._fail(f"Could not compute the agreement: {outcome.problem}")
        else:  # the worker process died, or could not start
            self._fail(f"Could not compute the agreement: the worker process stopped ({outcome})")
        self.loadFinished.emit()

    def _fail(self, message: str) -> None:
        self.problem = message
        self._show_status(message)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._abandon()  # closing never waits for the worker, nor leaves it at work
        super().closeEvent(event)

    def _fill(self) -> None:
        report = self.report
        if report is None:
            self.summary.setText("No figures yet.")
            return
        who_said_what = report.document_labels is not None or report.attribution is not None
        shown = self.tabs.indexOf(self.who_page) >= 0
        if who_said_what and not shown:
            self.tabs.addTab(self.who_page, "Who said what")
        elif shown and not who_said_what:
            self.tabs.removeTab(self.tabs.indexOf(self.who_page))
        scope = (
            "where any of them has a span"
            if self.all_documents
            else "that every one of them marked done"
        )
        self.summary.setText(
            f"Agreement of {', '.join(report.annotators)} over {report.documents} documents "
            f"{scope} ({report.tokens} tokens). Krippendorff's alpha: "
            f"{figure_text(report.alpha)}. {UNDEFINED}: nothing to compare."
        )
        if not report.documents and not self.all_documents:
            self._show_status(
                "No document is marked done by every one of them: untick the box to "
                "compare every document where any of them has a span."
            )
        self.pair_table.setRowCount(len(report.pairs))
        for r, pair in enumerate(report.pairs):
            values = (pair.exact_f1, pair.overlap_f1, pair.kappa)
            self.pair_table.setItem(r, 0, _cell(f"{pair.a} / {pair.b}"))
            for c, value in enumerate(values, start=1):
                self.pair_table.setItem(r, c, _cell(figure_text(value), value))
        rows = [(label, pair) for label in report.labels for pair in report.pairs]
        self.label_table.setRowCount(len(rows))
        for r, (label, pair) in enumerate(rows):
            label_values = (
                pair.exact_f1_by_label[label],
                pair.overlap_f1_by_label[label],
                pair.kappa_by_label[label],
                report.alpha_by_label[label],
            )
            self.label_table.setItem(r, 0, _cell(label))
            self.label_table.setItem(r, 1, _cell(f"{pair.a} / {pair.b}"))
            for c, value in enumerate(label_values, start=2):
                self.label_table.setItem(r, c, _cell(figure_text(value), value))
        self._fill_heatmap()
        self.document_model.set_rows(self.documents)
        self._fill_who_said_what()

    def _fill_who_said_what(self) -> None:
        assert self.report is not None
        labels = self.report.document_labels or []
        rows = [(label, pair) for label in labels for pair in label.pairs]
        self.document_label_table.setRowCount(len(rows))
        for r, (label, pair) in enumerate(rows):
            self.document_label_table.setItem(r, 0, _cell(label.name))
            self.document_label_table.setItem(r, 1, _cell(f"{pair.a} / {pair.b}"))
            self.document_label_table.setItem(r, 2, _cell(figure_text(pair.kappa), pair.kappa))
            self.document_label_table.setItem(r, 3, _cell(pair.documents))
            self.document_label_table.setItem(r, 4, _cell(figure_text(label.alpha), label.alpha))
        attribution = self.report.attribution
        if attribution is None:
            return
        self.attribution_title.setText(
            "Attribution: of the matched quotes and claims "
            f"({', '.join(attribution.labels)}) that both linked to a speaker, "
            "the share naming the same one:"
        )
        shares = [(f"{p.a} / {p.b}", p.compared, p.same, p.agreement) for p in attribution.pairs]
        shares.append(("all pairs", attribution.compared, attribution.same, attribution.agreement))
        self.attribution_table.setRowCount(len(shares))
        for r, (who, compared, same, share) in enumerate(shares):
            self.attribution_table.setItem(r, 0, _cell(who))
            self.attribution_table.setItem(r, 1, _cell(compared))
            self.attribution_table.setItem(r, 2, _cell(same))
            self.attribution_table.setItem(r, 3, _cell(figure_text(share), share))

    def _fill_heatmap(self) -> None:
        if self.report is None:
            return
        metric = str(self.metric_box.currentData() or "exact_f1")
        self.heatmap.set_values(self.report.annotators, self.report.pairs, metric)

    def _document_activated(self, index: QModelIndex) -> None:
        doc = self.document_model.rows[index.row()]
        self.compareRequested.emit(doc.id, doc.a, doc.b)
