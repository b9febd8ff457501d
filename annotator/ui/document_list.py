"""The document list: a text filter, a status filter, the documents (moved
from panels.py, issue 14).

A project of up to :data:`SMALL_PROJECT` documents is listed whole in a
``QTreeWidget``, as before. A larger one (:meth:`DocumentPanel.set_source`) is
shown through :class:`PagedDocumentModel`: the list asks the database
(``annotator.app.document_list``) for the count and for the rows as they are
painted, a page of :data:`PAGE_SIZE` at a time, keeping :data:`PAGES_KEPT`
pages; the filters and the sort by a column are done by the database (a
text filter with few matches is read once as their ids). The analyst's
assignments come first either way, and the next or previous document
(:meth:`DocumentPanel.neighbour`) follows the list as filtered and sorted.
:meth:`DocumentPanel.refresh` reads it again when documents are added.

Over 500 lines because both lists are one panel: the filters, the counts line,
the neighbours and the current document's selection work the same over either.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.commands import Changes
from annotator.core.model import DocStatus, DocumentSummary
from annotator.ui.column_model import ColumnTableModel
from annotator.ui.plain import literal

if TYPE_CHECKING:
    from annotator.app.document_list import DocumentListQuery, ListedDocument

ModelIndex = QModelIndex | QPersistentModelIndex

STATUS_TEXT = {DocStatus.NEW: "new", DocStatus.IN_PROGRESS: "in progress", DocStatus.DONE: "done"}

SMALL_PROJECT = 5_000
"""Up to this many documents, the list is read whole (as before issue 14)."""
PAGE_SIZE = 200
FEW_MATCHES = 5_000
"""A text filter matching up to this many documents lists them from their ids,
read in the one pass that finds them."""
PAGES_KEPT = 20
SORT_KEYS = {0: "title", 1: "status", 2: "spans"}


class _DocumentItem(QTreeWidgetItem):
    """Sorts the span count as a number, not as text ("10" after "9")."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        if tree is not None and tree.sortColumn() == 2:
            mine = int(self.data(2, Qt.ItemDataRole.UserRole) or 0)
            theirs = int(other.data(2, Qt.ItemDataRole.UserRole) or 0)
            return mine < theirs
        return super().__lt__(other)


class PagedDocumentModel(ColumnTableModel):
    """The list of a large project: rows read from the database a page at a time."""

    COLUMNS = ("Title", "Status", "Spans")

    def __init__(self, query: DocumentListQuery, total: int | None = None) -> None:
        super().__init__()
        self.query = query
        self.total = total if total is not None else query.total()
        """Every document of the project (counting a million rows takes a while
        on PostgreSQL: read again only when documents are added)."""
        self.needle = ""
        self.status: DocStatus | str | None = None
        self.sort_key: str | None = None
        self.descending = False
        self._count = 0  # refilter() counts
        self._ids: list[int] | None = None
        """Every listed id, in order, when a text filter matched few documents."""
        self._pages: OrderedDict[int, list[ListedDocument]] = OrderedDict()
        self._bold = QFont()
        self._bold.setBold(True)

    # the list's rows

    def refilter(self, needle: str, status: DocStatus | str | None) -> None:
        self.beginResetModel()
        self.needle, self.status = needle.strip(), status
        self._ids = None
        self._pages.clear()
        if self.needle:
            # The text filter reads every title whatever it asks for: one pass
            # that hands back the matches' ids (when they are few) serves the
            # count and every page, instead of a count and then a page.
            ids = self.query.ids(
                self.needle, self.status, self.sort_key, self.descending, limit=FEW_MATCHES + 1
            )
            if len(ids) <= FEW_MATCHES:
                self._ids = ids
        if self._ids is not None:
            self._count = len(self._ids)
        elif self.needle or self.status is not None:
            self._count = self.query.count(self.needle, self.status, known_total=self.total)
        else:
            self._count = self.total
        self.endResetModel()

    def reload(self, *, added: bool = False) -> None:
        """Count and read again (a change that moves rows; ``added``: documents too)."""
        if added:
            self.total = self.query.total()
        self.refilter(self.needle, self.status)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def row(self, row: int) -> ListedDocument | None:
        if not 0 <= row < self._count:
            return None
        number = row // PAGE_SIZE
        page = self._pages.get(number)
        if page is None and self._ids is not None:
            wanted = self._ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
            found = self.query.get(wanted)
            page = [found[i] for i in wanted if i in found]
            self._pages[number] = page
        elif page is None:
            page = self.query.page(
                number * PAGE_SIZE,
                PAGE_SIZE,
                self.needle,
                self.status,
                self.sort_key,
                self.descending,
                listed=self._count,
            )
            self._pages[number] = page
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = row - number * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        doc = self.row(index.row()) if index.isValid() else None
        if doc is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (doc.title, STATUS_TEXT[doc.status], str(doc.spans))[column]
        if role == Qt.ItemDataRole.UserRole:
            return doc.id if column == 0 else doc.spans
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            tip = doc.source or doc.title
            return literal(f"Assigned to you — {tip}" if doc.assigned else tip)
        if role == Qt.ItemDataRole.FontRole and column == 0 and doc.assigned:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_key = SORT_KEYS.get(column)
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.refilter(self.needle, self.status)

    def position(self, document_id: int) -> int | None:
        """The document's row (None: the filter hides it)."""
        if self._ids is not None:
            return self._ids.index(document_id) if document_id in self._ids else None
        found = self.cached(document_id)
        if found is not None:
            return found[0]
        return self.query.position(
            document_id, self.needle, self.status, self.sort_key, self.descending
        )

    def cached_page(self, number: int) -> list[ListedDocument]:
        return list(self._pages.get(number, []))

    def cached(self, document_id: int) -> tuple[int, ListedDocument] | None:
        """(row, listed document) when its page is read."""
        for number, page in self._pages.items():
            for offset, doc in enumerate(page):
                if doc.id == document_id:
                    return number * PAGE_SIZE + offset, doc
        return None

    def update_counts(self, document_id: int, status: DocStatus, spans: int) -> None:
        """A document's status or span count changed: its row is redrawn; when
        the filter or the sort depends on them, the list is read again."""
        moves = self.status is not None or self.sort_key in ("status", "spans")
        if moves:
            self.reload()
            return
        found = self.cached(document_id)
        if found is None:
            return
        row, doc = found
        from dataclasses import replace

        page = self._pages[row // PAGE_SIZE]
        page[row % PAGE_SIZE] = replace(doc, status=status, spans=spans)
        self.dataChanged.emit(self.index(row, 0), self.index(row, 2))


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
        self._resize_sections(self.tree.header())
        self.paged_view: QTableView | None = None
        self.model: PagedDocumentModel | None = None
        self.counts = QLabel()
        self.counts.setObjectName("documentCounts")
        self.counts.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.status_filter)
        layout.addLayout(row)
        layout.addWidget(self.tree)
        layout.addWidget(self.counts)
        self._items: dict[int, QTreeWidgetItem] = {}
        self._tips: dict[int, str] = {}
        self._status: dict[int, DocStatus] = {}
        self._selected: int | None = None
        self.source: DocumentListQuery | None = None
        """What the list reads (:meth:`set_source`)."""
        self._known: dict[int, ListedDocument] = {}
        """Paged: the rows of the documents the window asked about (the current one)."""
        self._refilter_timer = QTimer(self, singleShot=True, interval=150)
        self._refilter_timer.timeout.connect(self._refilter)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.status_filter.currentIndexChanged.connect(self._apply_filter)
        self.tree.currentItemChanged.connect(self._current_changed)

    @staticmethod
    def _resize_sections(header: QHeaderView) -> None:
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)

    @property
    def paged(self) -> bool:
        return self.model is not None

    # --- filling the list ---------------------------------------------------

    def set_source(self, query: DocumentListQuery) -> None:
        """List the project ``query`` reads: whole when it is small, else paged.

        A paged list already showing the same project (a cold start's list,
        read from the file) keeps its view, rows read, filter and scroll, and
        reads through ``query`` from now on."""
        previous, self.source = self.source, query
        try:
            self._set_source(previous, query)
        finally:
            if previous is not None and previous is not query:
                previous.close()  # a cold start's connection to the server

    def _set_source(self, previous: DocumentListQuery | None, query: DocumentListQuery) -> None:
        total = query.total()
        if (
            self.model is not None
            and total > SMALL_PROJECT
            and previous is not None
            and previous.same_list(query)
        ):
            self.model.query = query
            if total != self.model.total:  # documents added in between
                self.model.reload(added=True)
                self._show_counts()
                self._reselect()
            return
        if total <= SMALL_PROJECT:
            self._drop_paged()
            rows = query.page(0, total)
            self.set_documents(
                (
                    DocumentSummary(
                        id=r.id,
                        title=r.title,
                        source=r.source,
                        length=r.length,
                        spans_by_annotator={query.user: r.spans},
                        status_by_annotator={query.user: r.status.value},
                    )
                    for r in rows
                ),
                query.user,
            )
            self._known = {r.id: r for r in rows}
            for r in rows:
                if r.assigned:
                    self.mark_assigned(r.id)
            return
        self._show_paged(query, total)

    def _drop_paged(self) -> None:
        if self.paged_view is not None:
            self.paged_view.hide()  # not drawn next to its successor until deleted
            self.paged_view.deleteLater()
            self.paged_view = None
            self.model = None
            self.tree.setObjectName("documentList")
            self.tree.show()
            self.counts.hide()

    def _show_paged(self, query: DocumentListQuery, total: int) -> None:
        self._drop_paged()
        self.tree.clear()
        self._items.clear()
        self._tips.clear()
        self._status.clear()
        self._known.clear()
        self.tree.hide()
        self.tree.setObjectName("documentListWhole")
        model = PagedDocumentModel(query, total)
        model.refilter(self.filter_edit.text(), self.status_filter.currentData())
        # A table, not a tree view: QTreeView lays out every row (100,000 of
        # them) on a scroll; a table's rows are all the same height.
        view = QTableView()
        view.setObjectName("documentList")
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setAlternatingRowColors(False)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setSortingEnabled(False)  # no sort on show: the list keeps its order
        view.horizontalHeader().setSortIndicatorShown(True)
        view.horizontalHeader().setSectionsClickable(True)
        view.horizontalHeader().sortIndicatorChanged.connect(self._sort_paged)
        self._resize_sections(view.horizontalHeader())
        # ResizeToContents would read every row to size the columns.
        view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        view.setColumnWidth(1, 90)
        view.setColumnWidth(2, 50)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.tree), view)
        self.paged_view, self.model = view, model
        selection = view.selectionModel()
        selection.currentChanged.connect(self._paged_current_changed)
        self.counts.show()
        self._show_counts()

    def _sort_paged(self, column: int, order: Qt.SortOrder) -> None:
        if self.model is not None:
            self.model.sort(column, order)
            self._reselect()

    def _show_counts(self) -> None:
        if self.model is None:
            return
        self.counts.setText(f"{self.model.rowCount():,} of {self.model.total:,}")

    def refresh(self) -> None:
        """Documents were added (an import here or by someone else): count and
        read again, keeping the filters, the sort and the current document."""
        if self.model is not None:
            self.model.reload(added=True)
            self._show_counts()
            self._reselect()
        elif self.source is not None:
            scrolled = self.tree.verticalScrollBar().value()
            self.set_source(self.source)  # a list grown past SMALL_PROJECT becomes paged
            if self._selected is not None:
                self.select(self._selected)
            if self.model is None:
                self.tree.verticalScrollBar().setValue(scrolled)

    def set_documents(self, documents: Iterable[DocumentSummary], user: str) -> None:
        self._drop_paged()
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
            return  # paged: the model shows assignments in bold
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setToolTip(0, literal(f"Assigned to you — {self._tips.get(document_id, '')}"))

    def set_counts(self, document_id: int, status: DocStatus, spans: int) -> None:
        if self.model is not None:
            known = self._known.get(document_id)
            if known is not None:
                from dataclasses import replace

                self._known[document_id] = replace(known, status=status, spans=spans)
            self.model.update_counts(document_id, status, spans)
            if self.model.status is not None:
                self._show_counts()
                self._reselect()
            return
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

    # --- what the window asks ----------------------------------------------

    def _listed(self, document_id: int) -> ListedDocument | None:
        """Paged: a document's row, read from the database if not yet known."""
        assert self.model is not None
        known = self._known.get(document_id)
        if known is None:
            found = self.model.cached(document_id)
            known = found[1] if found else self.model.query.get([document_id]).get(document_id)
            if known is not None:
                if len(self._known) > 1000:
                    self._known.clear()
                self._known[document_id] = known
        return known

    def status(self, document_id: int) -> DocStatus:
        if self.model is not None:
            doc = self._listed(document_id)
            return doc.status if doc is not None else DocStatus.NEW
        return self._status.get(document_id, DocStatus.NEW)

    def title(self, document_id: int) -> str | None:
        """The document's title as listed (None: not in the list)."""
        if self.model is not None:
            doc = self._listed(document_id)
            return doc.title if doc is not None else None
        item = self._items.get(document_id)
        return item.text(0) if item is not None else None

    def span_count(self, document_id: int) -> int:
        if self.model is not None:
            doc = self._listed(document_id)
            return doc.spans if doc is not None else 0
        item = self._items.get(document_id)
        return int(item.data(2, Qt.ItemDataRole.UserRole) or 0) if item else 0

    def length(self, document_id: int) -> int:
        """The document's length in characters (0: not in the list)."""
        if self.model is not None:
            doc = self._listed(document_id)
            return doc.length if doc is not None else 0
        doc = self._known.get(document_id)
        return doc.length if doc is not None else 0

    def document_ids(self) -> list[int]:
        """In the order shown (paged: every document, from the database, in the
        list's order; the filters do not hide rows of the whole list here)."""
        if self.model is not None:
            return self.model.query.ids(sort=self.model.sort_key, descending=self.model.descending)
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [int(item.data(0, Qt.ItemDataRole.UserRole)) for item in items if item is not None]

    def neighbour(self, document_id: int, step: int, *, to_do: bool = False) -> int | None:
        """The document after (``step`` > 0) or before ``document_id`` in the list
        as it is filtered and sorted now (None: none); ``to_do``: the next one
        not done, round from the top. The filter may hide ``document_id``."""
        if self.model is not None:
            model = self.model
            return model.query.neighbour(
                document_id,
                step,
                model.needle,
                model.status,
                model.sort_key,
                model.descending,
                to_do=to_do,
                wrap=to_do,
            )
        ids = self.document_ids()
        if document_id not in ids:
            return None
        start = ids.index(document_id)
        if to_do:
            ahead = ids[start + 1 :] + ids[: start + 1]
        else:
            ahead = ids[start + 1 :] if step > 0 else ids[:start][::-1]
        for doc_id in ahead:
            item = self._items[doc_id]
            if item.isHidden() or (to_do and self.status(doc_id) == DocStatus.DONE):
                continue
            return doc_id
        return None

    def first_document(self, last: int | None) -> int | None:
        """The document to show on opening: ``last`` if listed, else the first
        one not done, else the first one."""
        if self.model is not None:
            query = self.model.query
            if last is not None and query.get([last]):
                return last
            if self.model.rowCount() > 0 and self.model.status is None and not self.model.needle:
                self.model.row(0)
                shown = self.model.cached_page(0)
                not_done = [d.id for d in shown if d.status != DocStatus.DONE]
                if not_done:
                    return not_done[0]
            for status in ("not-done", None):
                first = query.page(0, 1, status=status)
                if first:
                    return first[0].id
            return None
        ids = self.document_ids()
        if last in ids:
            return last
        not_done = [i for i in ids if self.status(i) != DocStatus.DONE]
        candidates = not_done or ids
        return candidates[0] if candidates else None

    def select(self, document_id: int) -> None:
        self._selected = document_id
        if self.model is not None:
            self._reselect()
            return
        item = self._items.get(document_id)
        if item is not None:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(item)
            self.tree.blockSignals(False)
            self.tree.scrollToItem(item)

    def _reselect(self) -> None:
        """Paged: the current document's row is current (it may have moved)."""
        view, model = self.paged_view, self.model
        if view is None or model is None or self._selected is None:
            return
        if model.rowCount() > 0:
            model.row(0)  # the first page is read to be shown anyway
        row = model.position(self._selected)
        selection = view.selectionModel()
        selection.blockSignals(True)
        if row is None:
            selection.clearCurrentIndex()
            selection.clearSelection()
        else:
            index = model.index(row, 0)
            selection.setCurrentIndex(
                index,
                selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows,
            )
            view.scrollTo(index)
        selection.blockSignals(False)
        view.viewport().update()

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: Any) -> None:
        if current is not None:
            self.documentActivated.emit(int(current.data(0, Qt.ItemDataRole.UserRole)))

    def _paged_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.model is not None:
            doc = self.model.row(current.row())
            if doc is not None:
                self._selected = doc.id
                self.documentActivated.emit(doc.id)

    # --- filters ------------------------------------------------------------

    def _filter_changed(self) -> None:
        if self.model is not None:
            self._refilter_timer.start()  # a query a pause in typing, not a keystroke
        else:
            self._apply_filter()

    def _refilter(self) -> None:
        if self.model is not None:
            self.model.refilter(self.filter_edit.text(), self.status_filter.currentData())
            self._show_counts()
            self._reselect()

    def _apply_filter(self) -> None:
        if self.model is not None:
            self._refilter_timer.stop()
            self._refilter()
            return
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
