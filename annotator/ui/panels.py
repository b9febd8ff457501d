"""The panels around the article: the label palette and the span list (the
document list is in document_list.py, the span details in span_details.py)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, MutableMapping
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import SpanData
from annotator.core.schema import Label, LabelSchema
from annotator.core.span_rows import SpanMap, SpanRows, span_field
from annotator.ui.column_model import ColumnTableModel
from annotator.ui.plain import CHIP_TEXT, literal

ModelIndex = QModelIndex | QPersistentModelIndex


def color_swatch(color: str, size: int = 12) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return pixmap


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
            item.setForeground(QBrush(QColor(CHIP_TEXT)))
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


class SpanTableModel(ColumnTableModel):
    """The spans of the shown document, kept sorted; one edit moves one row.

    Rows are span ids; a row's span is made only when the table shows it
    (``core/span_rows.py``), and the store's read comes in the table's first
    order (start, longer first, id), so 20,000 spans fill it without a sort.
    """

    COLUMNS = ("Label", "Text", "Start", "Annotator")

    def __init__(self, color_of: Callable[[str], QColor]) -> None:
        super().__init__()
        self._ids: list[int] = []
        self._spans: MutableMapping[int, SpanData] = {}
        self._color_of = color_of
        self._sort_column = 2
        self._descending = False
        self._fields = {name: span_field(self._spans, name) for name in _SHOWN}
        """What the table shows of a span, by id (read from the columns: a
        row shown makes no span, ``core/span_rows.py``)."""

    def _key(self, span: SpanData) -> tuple[Any, ...]:
        position = (span.start, -span.end, span.id)
        if self._sort_column == 0:
            return (span.label, *position)
        if self._sort_column == 1:
            return (span.text.lower(), *position)
        if self._sort_column == 3:
            return (span.annotator, *position)
        return position

    def _sorted(self, ids: list[int], in_position_order: bool = False) -> list[int]:
        """The ids in the order of :meth:`_key`, by stable sorts on one field
        at a time, least significant first, reading fields without making
        spans (``in_position_order``: already by start, longer first, id)."""
        field = partial(span_field, self._spans)
        if not in_position_order:
            ids.sort()
            ids.sort(key=field("end"), reverse=True)  # stable: ties keep the id order
            ids.sort(key=field("start"))
        if self._sort_column == 1:
            text = field("text")
            ids.sort(key=lambda i: text(i).lower())
        elif self._sort_column in _FIELD_OF_COLUMN:
            ids.sort(key=field(_FIELD_OF_COLUMN[self._sort_column]))
        if self._descending:
            ids.reverse()  # every key ends with the id: no two rows tie
        return ids

    @property
    def in_position_order(self) -> bool:
        """Rows by start, longer first, id (the table's first order)."""
        return self._sort_column == 2 and not self._descending

    def set_spans(self, spans: Iterable[SpanData] | SpanRows) -> None:
        self.beginResetModel()
        if isinstance(spans, SpanRows):
            self._spans = SpanMap(spans)
            self._ids = self._sorted(list(spans.ids), in_position_order=True)
        else:
            self._spans = {span.id: span for span in spans}
            self._ids = self._sorted(list(self._spans))
        self._fields = {name: span_field(self._spans, name) for name in _SHOWN}
        self.endResetModel()

    def spans(self) -> list[SpanData]:
        if isinstance(self._spans, SpanMap):
            self._spans.rows.read_all_details()  # one read, not one a block
        return [self._spans[i] for i in self._ids]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        span_id = self._ids[index.row()]
        column = index.column()
        fields = self._fields
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return fields["label"](span_id)
            if column == 1:
                text = " ".join(fields["text"](span_id).split())
                return text if len(text) <= 80 else text[:79] + "…"
            if column == 2:
                return fields["start"](span_id)
            return fields["annotator"](span_id)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._color_of(fields["label"](span_id))
        if role == Qt.ItemDataRole.UserRole:
            return span_id
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return literal(fields["text"](span_id))
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._ids = self._sorted(self._ids)
        self.layoutChanged.emit()

    def row_of(self, span_id: int) -> int | None:
        try:
            return self._ids.index(span_id)
        except ValueError:
            return None

    def remove(self, span_id: int) -> None:
        row = self.row_of(span_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._ids[row]
        del self._spans[span_id]
        self.endRemoveRows()

    def insert(self, span: SpanData) -> None:
        self.remove(span.id)
        key = self._key(span)
        # Binary search over the rows' keys, computed for the rows it looks at only.
        ids, spans = self._ids, self._spans
        low, high = 0, len(ids)
        while low < high:
            middle = (low + high) // 2
            other = self._key(spans[ids[middle]])
            if (other > key) if self._descending else (other < key):
                low = middle + 1
            else:
                high = middle
        self.beginInsertRows(QModelIndex(), low, low)
        ids.insert(low, span.id)
        spans[span.id] = span
        self.endInsertRows()


_FIELD_OF_COLUMN = {0: "label", 3: "annotator"}
_SHOWN = ("label", "text", "start", "annotator")


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
        self.setTabKeyNavigation(False)  # rows are picked by arrows: Tab leaves the table
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
