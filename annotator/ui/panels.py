"""The panels around the article: documents, label palette, span list (the span
details are in span_details.py)."""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.commands import Changes
from annotator.core.model import DocStatus, DocumentSummary, SpanData
from annotator.core.schema import Label, LabelSchema
from annotator.ui.plain import literal

ModelIndex = QModelIndex | QPersistentModelIndex

STATUS_TEXT = {DocStatus.NEW: "new", DocStatus.IN_PROGRESS: "in progress", DocStatus.DONE: "done"}


def color_swatch(color: str, size: int = 12) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return pixmap


# --- documents --------------------------------------------------------------


class _DocumentItem(QTreeWidgetItem):
    """Sorts the span count as a number, not as text ("10" after "9")."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        if tree is not None and tree.sortColumn() == 2:
            mine = int(self.data(2, Qt.ItemDataRole.UserRole) or 0)
            theirs = int(other.data(2, Qt.ItemDataRole.UserRole) or 0)
            return mine < theirs
        return super().__lt__(other)


class DocumentPanel(QWidget):
    """The document list with a text filter and a status filter."""

    documentActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = QLineEdit(placeholderText="Filter documents")
        self.filter_edit.setObjectName("documentFilter")
        self.filter_edit.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("documentStatusFilter")
        self.status_filter.addItem("All", None)
        for status, text in STATUS_TEXT.items():
            self.status_filter.addItem(text.capitalize(), status)
        self.status_filter.addItem("Not done", "not-done")
        self.tree = QTreeWidget()
        self.tree.setObjectName("documentList")
        self.tree.setHeaderLabels(["Title", "Status", "Spans"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.status_filter)
        layout.addLayout(row)
        layout.addWidget(self.tree)
        self._items: dict[int, QTreeWidgetItem] = {}
        self._tips: dict[int, str] = {}
        self._status: dict[int, DocStatus] = {}
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.status_filter.currentIndexChanged.connect(self._apply_filter)
        self.tree.currentItemChanged.connect(self._current_changed)

    def set_documents(self, documents: Iterable[DocumentSummary], user: str) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        self._items.clear()
        self._tips.clear()
        for doc in documents:
            item = _DocumentItem([doc.title or f"Document {doc.id}", "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, doc.id)
            self._tips[doc.id] = doc.source or doc.title
            item.setToolTip(0, literal(self._tips[doc.id]))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight)
            self._items[doc.id] = item
            self.tree.addTopLevelItem(item)
            status = DocStatus(doc.status_by_annotator.get(user, DocStatus.NEW.value))
            self.set_counts(doc.id, status, doc.spans_by_annotator.get(user, 0))
        self.tree.blockSignals(False)
        self._apply_filter()

    def mark_assigned(self, document_id: int) -> None:
        """Documents assigned to me are shown in bold."""
        item = self._items.get(document_id)
        if item is None:
            return
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setToolTip(0, literal(f"Assigned to you — {self._tips.get(document_id, '')}"))

    def set_counts(self, document_id: int, status: DocStatus, spans: int) -> None:
        item = self._items.get(document_id)
        if item is None:
            return
        self._status[document_id] = status
        item.setText(1, STATUS_TEXT[status])
        item.setText(2, str(spans))
        item.setData(2, Qt.ItemDataRole.UserRole, spans)
        self._apply_filter_to(item)

    def count_changes(self, changes: Changes, user: str) -> None:
        """Update ``user``'s span counts and statuses by a saved edit's changes."""
        per_doc: dict[int, int] = {}
        for span in changes.added_spans.values():
            if span.annotator == user:
                per_doc[span.document_id] = per_doc.get(span.document_id, 0) + 1
        for span in changes.removed_spans.values():
            if span.annotator == user:
                per_doc[span.document_id] = per_doc.get(span.document_id, 0) - 1
        touched = set(per_doc) | {d for d, who in changes.statuses if who == user}
        for doc_id in touched:
            status = changes.statuses.get((doc_id, user), self.status(doc_id))
            if per_doc.get(doc_id, 0) > 0 and status == DocStatus.NEW:
                status = DocStatus.IN_PROGRESS  # the store does the same on a first span
            self.set_counts(doc_id, status, self.span_count(doc_id) + per_doc.get(doc_id, 0))

    def status(self, document_id: int) -> DocStatus:
        return self._status.get(document_id, DocStatus.NEW)

    def title(self, document_id: int) -> str | None:
        """The document's title as listed (None: not in the list)."""
        item = self._items.get(document_id)
        return item.text(0) if item is not None else None

    def span_count(self, document_id: int) -> int:
        item = self._items.get(document_id)
        return int(item.data(2, Qt.ItemDataRole.UserRole) or 0) if item else 0

    def document_ids(self) -> list[int]:
        """In the order shown."""
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [int(item.data(0, Qt.ItemDataRole.UserRole)) for item in items if item is not None]

    def select(self, document_id: int) -> None:
        item = self._items.get(document_id)
        if item is not None:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(item)
            self.tree.blockSignals(False)
            self.tree.scrollToItem(item)

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: Any) -> None:
        if current is not None:
            self.documentActivated.emit(int(current.data(0, Qt.ItemDataRole.UserRole)))

    def _apply_filter(self) -> None:
        for item in self._items.values():
            self._apply_filter_to(item)

    def _apply_filter_to(self, item: QTreeWidgetItem) -> None:
        needle = self.filter_edit.text().strip().lower()
        wanted = self.status_filter.currentData()
        doc_id = int(item.data(0, Qt.ItemDataRole.UserRole))
        status = self._status.get(doc_id, DocStatus.NEW)
        hidden = bool(needle) and needle not in item.text(0).lower()
        if wanted == "not-done":
            hidden = hidden or status == DocStatus.DONE
        elif wanted is not None:
            hidden = hidden or status != wanted
        item.setHidden(hidden)


# --- label palette ----------------------------------------------------------


PALETTE_LIMIT = 40
"""Labels the palette lists at once. A schema with more (there may be
thousands) gets a filter box; the palette lists the first matches, so it
never builds thousands of rows."""


class LabelPalette(QWidget):
    """The labels with their colours and keys; a click tags or picks the sticky label."""

    labelChosen = Signal(str)
    stickyChanged = Signal(object)  # the sticky label's name, or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("labelPalette")
        # No selection colour: it would hide the label's own colour. The
        # sticky label is marked with a tick and bold text instead.
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._chosen: str | None = None
        self._labels: dict[str, Label] = {}
        self.sticky = QCheckBox("Sticky label: tag every selection at once")
        self.sticky.setObjectName("stickyLabel")
        self.filter_edit = QLineEdit(placeholderText="Find a label")
        self.filter_edit.setObjectName("labelFilter")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._fill)
        self.filter_edit.hide()
        self.more = QLabel()
        self.more.setObjectName("moreLabels")
        self.more.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.list)
        layout.addWidget(self.more)
        layout.addWidget(self.sticky)
        self.list.itemClicked.connect(self._clicked)
        self.sticky.toggled.connect(self._sticky_toggled)

    def set_schema(self, schema: LabelSchema) -> None:
        self._labels = {label.name: label for label in schema.labels}
        self._chosen = schema.labels[0].name if schema.labels else None
        many = len(schema.labels) > PALETTE_LIMIT
        self.filter_edit.setVisible(many)
        self.filter_edit.blockSignals(True)
        self.filter_edit.clear()
        self.filter_edit.blockSignals(False)
        self._fill()

    def _fill(self) -> None:
        """List the labels that match the filter, at most :data:`PALETTE_LIMIT`."""
        needle = self.filter_edit.text().strip().lower()
        matching = (
            label for label in self._labels.values() if not needle or needle in label.name.lower()
        )
        shown = list(itertools.islice(matching, PALETTE_LIMIT + 1))
        more = len(shown) > PALETTE_LIMIT
        self.more.setVisible(more)
        if more:
            shown.pop()
            self.more.setText("More labels: type in the box above to find them")
        self.list.clear()
        for label in shown:
            item = QListWidgetItem(self._text(label))
            item.setData(Qt.ItemDataRole.UserRole, label.name)
            item.setBackground(QBrush(QColor(label.color)))
            item.setForeground(QBrush(QColor("black")))
            item.setToolTip(literal(label.description or label.name))
            self.list.addItem(item)
        self._mark_sticky()
        height = sum(self.list.sizeHintForRow(i) for i in range(self.list.count()))
        self.list.setMaximumHeight(height + 2 * self.list.frameWidth() + 4)

    def _mark_sticky(self) -> None:
        sticky = self.sticky.isChecked()
        for i in range(self.list.count()):
            item = self.list.item(i)
            name = str(item.data(Qt.ItemDataRole.UserRole))
            marked = sticky and name == self._chosen
            label = self._labels.get(name)
            text = self._text(label) if label is not None else name
            item.setText(f"✓ {text}" if marked else text)
            font = item.font()
            font.setBold(marked)
            item.setFont(font)

    @staticmethod
    def _text(label: Label) -> str:
        key = f"   [{label.key.upper()}]" if label.key else ""
        return f"{label.name}{key}"

    def item_for(self, label: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == label:
                return item
        return None

    @property
    def current_label(self) -> str | None:
        """The label last clicked (the sticky one when sticky mode is on)."""
        return self._chosen

    def _clicked(self, item: QListWidgetItem) -> None:
        name = str(item.data(Qt.ItemDataRole.UserRole))
        self._chosen = name
        if self.sticky.isChecked():
            self._mark_sticky()
            self.stickyChanged.emit(name)
        self.labelChosen.emit(name)

    def _sticky_toggled(self, on: bool) -> None:
        self._mark_sticky()
        self.stickyChanged.emit(self._chosen if on else None)


# --- span list --------------------------------------------------------------


class SpanTableModel(QAbstractTableModel):
    """The spans of the shown document, kept sorted; one edit moves one row."""

    COLUMNS = ("Label", "Text", "Start", "Annotator")

    def __init__(self, color_of: Callable[[str], QColor]) -> None:
        super().__init__()
        self._rows: list[SpanData] = []
        self._keys: list[tuple[Any, ...]] = []
        self._color_of = color_of
        self._sort_column = 2
        self._descending = False

    def _key(self, span: SpanData) -> tuple[Any, ...]:
        position = (span.start, -span.end, span.id)
        if self._sort_column == 0:
            return (span.label, *position)
        if self._sort_column == 1:
            return (span.text.lower(), *position)
        if self._sort_column == 3:
            return (span.annotator, *position)
        return position

    def set_spans(self, spans: Iterable[SpanData]) -> None:
        self.beginResetModel()
        self._rows = sorted(spans, key=self._key, reverse=self._descending)
        self._keys = [self._key(s) for s in self._rows]
        self.endResetModel()

    def spans(self) -> list[SpanData]:
        return list(self._rows)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        span = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return span.label
            if column == 1:
                text = " ".join(span.text.split())
                return text if len(text) <= 80 else text[:79] + "…"
            if column == 2:
                return span.start
            return span.annotator
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._color_of(span.label)
        if role == Qt.ItemDataRole.UserRole:
            return span.id
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return literal(span.text)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._rows.sort(key=self._key, reverse=self._descending)
        self._keys = [self._key(s) for s in self._rows]
        self.layoutChanged.emit()

    def row_of(self, span_id: int) -> int | None:
        return next((i for i, s in enumerate(self._rows) if s.id == span_id), None)

    def remove(self, span_id: int) -> None:
        row = self.row_of(span_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        del self._keys[row]
        self.endRemoveRows()

    def insert(self, span: SpanData) -> None:
        key = self._key(span)
        if self._descending:
            row = next((i for i, k in enumerate(self._keys) if k < key), len(self._keys))
        else:
            row = bisect_left(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, span)
        self._keys.insert(row, key)
        self.endInsertRows()


class SpanList(QTableView):
    spanActivated = Signal(int)

    def __init__(self, model: SpanTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spanList")
        self.setModel(model)
        self.span_model = model
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSortingEnabled(True)
        self.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.setWordWrap(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Fixed widths: sizing columns to their contents would ask every row
        # of a 20,000-span document for its text on each change.
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        em = self.fontMetrics().horizontalAdvance("M")
        for column, width in ((0, 9), (2, 5), (3, 7)):
            self.setColumnWidth(column, width * em)
        self.clicked.connect(self._clicked)
        self.activated.connect(self._clicked)

    def _clicked(self, index: QModelIndex) -> None:
        span_id = self.span_model.data(index, Qt.ItemDataRole.UserRole)
        if span_id is not None:
            self.spanActivated.emit(int(span_id))

    def show_span(self, span_id: int | None) -> None:
        row = self.span_model.row_of(span_id) if span_id is not None else None
        if row is None:
            self.clearSelection()
            return
        index = self.span_model.index(row, 0)
        self.selectRow(row)
        self.scrollTo(index)
