"""Search across the project (Ctrl+Shift+F) and the "annotate all matches" dialog.

The search dialog lists each matching document with the context of its first
match (the match in bold); activating a result (double click or Enter) opens
that document with the match selected. The query is full-text search's: all
the words, "quoted phrases", prefix* (``annotator.app.search``).

The annotate-all dialog asks for a label and shows what it will do before it
does it ("adds 37 spans in 12 documents"); the window then runs the plan's
command, one undoable step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.plain import escape, literal, plain_label

if TYPE_CHECKING:
    from annotator.app.search import SearchHit, SearchResults
    from annotator.core.assist_commands import AnnotatePlan

HIT_ROLE = Qt.ItemDataRole.UserRole
HTML_ROLE = Qt.ItemDataRole.UserRole + 1


def snippet_html(hit: SearchHit) -> str:
    """The hit's context with its matches in bold, on one line."""
    text, base = hit.snippet, hit.snippet_start
    parts = []
    at = 0
    for start, end in sorted(hit.matches):
        lo, hi = start - base, end - base
        if lo < at or hi > len(text):
            continue
        parts.append(escape(text[at:lo]))
        parts.append(f"<b>{escape(text[lo:hi])}</b>")
        at = hi
    parts.append(escape(text[at:]))
    return "…" + " ".join("".join(parts).split()) + "…"


class _HtmlDelegate(QStyledItemDelegate):
    """Paints an item's HTML_ROLE text (the bold matches of a snippet)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        markup = index.data(HTML_ROLE)
        if not markup:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        option.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setHtml(markup)
        document.setDocumentMargin(2)
        rect = option.rect
        painter.save()
        painter.translate(rect.topLeft())
        clip = QRectF(0, 0, rect.width(), rect.height())
        painter.setClipRect(clip)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = clip
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 6))


class SearchDialog(QDialog):
    resultActivated = Signal(int, int, int)  # document id, start, end (code points)
    annotateRequested = Signal(str)  # the query

    def __init__(
        self, run_query: Callable[[str], SearchResults], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("projectSearch")
        self.setWindowTitle("Find in the project")
        self.resize(760, 460)
        self._run_query = run_query
        self.field = QLineEdit()
        self.field.setObjectName("searchField")
        self.field.setPlaceholderText('Words, "a phrase", prefix*')
        self.field.setClearButtonEnabled(True)
        self.status = plain_label()
        self.status.setObjectName("searchStatus")
        self.results = QTreeWidget()
        self.results.setObjectName("searchResults")
        self.results.setHeaderLabels(["Document", "Context"])
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(True)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setColumnWidth(0, 220)
        self.results.setItemDelegateForColumn(1, _HtmlDelegate(self.results))
        self.annotate_button = QPushButton("Annotate all matches…")
        self.annotate_button.setObjectName("searchAnnotateAll")
        self.annotate_button.setEnabled(False)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        # Enter in the query searches: no button of this dialog is its default.
        for button in (self.annotate_button, close):
            button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Double-click or Enter opens the document at the match."), 1)
        row.addWidget(self.annotate_button)
        row.addWidget(close)
        layout.addLayout(row)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.run_search)
        self.field.textChanged.connect(lambda _: self._timer.start())
        self.field.returnPressed.connect(self._enter)
        self.results.itemActivated.connect(self._activated)
        self.annotate_button.clicked.connect(
            lambda: self.annotateRequested.emit(self.field.text().strip())
        )

    def _enter(self) -> None:
        self._timer.stop()
        self.run_search()
        first = self.results.topLevelItem(0)
        if first is not None:
            self.results.setCurrentItem(first)
            self.results.setFocus()

    def run_search(self) -> None:
        from annotator.app.search import QueryTooLarge, SearchError

        self._timer.stop()
        self.results.clear()
        query = self.field.text().strip()
        self.annotate_button.setEnabled(False)
        if not query:
            self.status.setText("")
            return
        try:
            found = self._run_query(query)
        except QueryTooLarge as exc:
            self.status.setText(str(exc)[:1].upper() + str(exc)[1:])
            return
        except SearchError:
            self.status.setText("Type words to find")
            return
        for hit in found.hits:
            item = QTreeWidgetItem([hit.title, " ".join(hit.snippet.split())])
            match = hit.matches[0] if hit.matches else (hit.snippet_start, hit.snippet_start)
            item.setData(0, HIT_ROLE, (hit.document_id, match[0], match[1]))
            item.setData(1, HTML_ROLE, snippet_html(hit))
            item.setToolTip(1, literal(hit.snippet))
            self.results.addTopLevelItem(item)
        count = found.total
        noun = "document" if count == 1 else "documents"
        bound = "" if found.total_exact else "at most "
        shown = f" (the first {len(found.hits)} listed)" if len(found.hits) < count else ""
        self.status.setText(f"{bound}{count} {noun}{shown}" if count else "No document matches")
        self.annotate_button.setEnabled(count > 0)

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        data = item.data(0, HIT_ROLE)
        if data:
            document_id, start, end = data
            self.resultActivated.emit(int(document_id), int(start), int(end))


class AnnotateAllDialog(QDialog):
    """Choose a label and where; the preview counts the spans before anything is added."""

    def __init__(
        self,
        query: str,
        labels: list[str],
        plan: Callable[[str, bool], object],
        *,
        default_label: str | None = None,
        whole_project: bool = False,
        can_choose_document: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("annotateAll")
        self.setWindowTitle("Annotate all matches")
        self._plan_for = plan
        self.plan: AnnotatePlan | None = None
        self.label_combo = QComboBox()
        self.label_combo.setObjectName("annotateLabel")
        self.label_combo.addItems(labels)
        if default_label in labels:
            self.label_combo.setCurrentText(default_label)
        self.in_document = QRadioButton("In this document")
        self.in_document.setObjectName("scopeDocument")
        self.in_project = QRadioButton("In the whole project")
        self.in_project.setObjectName("scopeProject")
        self.in_document.setEnabled(can_choose_document)
        (self.in_project if whole_project else self.in_document).setChecked(True)
        self.preview = plain_label()
        self.preview.setObjectName("annotatePreview")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Annotate")
        self.ok_button.setObjectName("annotateOk")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout(self)
        form.addRow("Matches of:", plain_label(f"“{query}”"))
        form.addRow("Label:", self.label_combo)
        form.addRow(self.in_document)
        form.addRow(self.in_project)
        form.addRow(self.preview)
        form.addRow(self.buttons)
        self.label_combo.currentTextChanged.connect(lambda _: self.update_preview())
        self.in_project.toggled.connect(lambda _: self.update_preview())
        self.update_preview()

    def update_preview(self) -> None:
        from annotator.core.assist_commands import AnnotatePlan

        label = self.label_combo.currentText()
        result = self._plan_for(label, self.in_project.isChecked())
        if not isinstance(result, AnnotatePlan):
            self.plan = None
            self.preview.setText(f"Cannot search: {result}")
            self.ok_button.setEnabled(False)
            return
        self.plan = result
        spans = "span" if result.count == 1 else "spans"
        docs = "document" if result.documents == 1 else "documents"
        if result.count:
            text = f"adds {result.count} {spans} in {result.documents} {docs}"
        else:
            text = "adds nothing"
        if result.skipped:
            text += f" ({result.skipped} already {label})"
        self.preview.setText(text)
        self.ok_button.setEnabled(result.count > 0)
