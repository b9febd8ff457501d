"""The details of the selected span, beside the article: label, text, author,
time, attributes (editable on the layer being edited), note and links."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import RelationData, SpanData
from annotator.core.schema import Label
from annotator.ui.plain import CHIP_TEXT, escape, literal, plain_label, set_plain


class SpanDetails(QWidget):
    """The selected span: label, text, author, time, attributes, note, links."""

    attributesEdited = Signal(int, dict)
    noteEdited = Signal(int, str)
    relationRemoveRequested = Signal(int)
    relatedSpanActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spanDetails")
        self.title = QLabel("No span selected")
        self.title.setObjectName("spanTitle")
        self.title.setWordWrap(True)
        self.text = plain_label()
        self.text.setObjectName("spanText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = plain_label()
        self.meta.setObjectName("spanMeta")
        self.entity = plain_label()
        self.entity.setObjectName("spanEntity")
        self.entity.setWordWrap(True)
        self.entity_name: Callable[[int], str | None] = lambda _entity_id: None
        """The name of an entity by id (the window's entities): shown for a mention."""
        self.attributes_form = QFormLayout()
        self.note = QLineEdit(placeholderText="Note")
        self.note.setObjectName("spanNote")
        self.relations = QListWidget()
        self.relations.setObjectName("spanRelations")
        self.relations.setMaximumHeight(90)
        self.remove_link = QPushButton("Remove link")
        self.remove_link.setObjectName("removeLink")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addWidget(self.meta)
        layout.addWidget(self.entity)
        layout.addLayout(self.attributes_form)
        layout.addWidget(self.note)
        layout.addWidget(QLabel("Links:"))
        layout.addWidget(self.relations)
        layout.addWidget(self.remove_link)
        layout.addStretch(1)
        self.span: SpanData | None = None
        self.read_only = False
        self._committing = False
        self._attribute_widgets: dict[str, QComboBox | QLineEdit] = {}
        self.note.editingFinished.connect(self._note_finished)
        self.remove_link.clicked.connect(self._remove_link)
        self.relations.itemDoubleClicked.connect(self._relation_activated)
        self.show_span(None, None, [], {})

    def show_span(
        self,
        span: SpanData | None,
        label: Label | None,
        relations: list[RelationData],
        spans: Mapping[int, SpanData],
        *,
        read_only: bool = False,
    ) -> None:
        self.commit_pending()
        self.span = span
        self.read_only = read_only
        while self.attributes_form.rowCount():
            self.attributes_form.removeRow(0)
        self._attribute_widgets.clear()
        self.relations.clear()
        if span is None:
            set_plain(self.title, "No span selected")
            self.text.setText("Select text and press a label key, or click a span.")
            self.meta.setText("")
            self.entity.hide()
            self.note.setText("")
            self.note.setEnabled(False)
            self.remove_link.setEnabled(False)
            return
        color = label.color if label is not None else "#cccccc"
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setText(
            f'<span style="background:{escape(color)}; color:{CHIP_TEXT}">'
            f"&nbsp;{escape(span.label)}&nbsp;</span>"
            f"&nbsp; {span.start}–{span.end}{_pieces_text(span)}"
        )
        shown = span.text if len(span.text) <= 300 else span.text[:299] + "…"
        self.text.setText(shown)
        when = span.updated_at.strftime("%Y-%m-%d %H:%M") if span.updated_at else ""
        self.meta.setText(f"by {span.annotator}  {when}".rstrip())
        entity = self._entity_of(span)
        self.entity.setText(f"Mention of {entity}" if entity else "")
        self.entity.setVisible(bool(entity))
        for attr in label.attributes if label is not None else ():
            value = span.attributes.get(attr.name)
            widget: QComboBox | QLineEdit
            if attr.values:
                combo = QComboBox()
                combo.addItem("—", None)
                for choice in attr.values:
                    combo.addItem(choice, choice)
                index = combo.findData(value) if value is not None else 0
                if index < 0:  # imported, or the schema changed since: shown and kept
                    combo.addItem(f"{value} (not in the schema)", value)
                    index = combo.count() - 1
                combo.setCurrentIndex(index)
                combo.currentIndexChanged.connect(self._attributes_changed)
                widget = combo
            else:
                line = QLineEdit(str(value or ""))
                line.editingFinished.connect(self._attributes_changed)
                widget = line
            widget.setObjectName(f"attribute_{attr.name}")
            widget.setToolTip(literal(attr.description))
            widget.setEnabled(not read_only)
            self._attribute_widgets[attr.name] = widget
            self.attributes_form.addRow(plain_label(attr.name), widget)
        self.note.setText(span.note)
        self.note.setEnabled(not read_only)
        for rel in relations:
            other_id = rel.target_id if rel.source_id == span.id else rel.source_id
            other = spans.get(other_id)
            arrow = "→" if rel.source_id == span.id else "←"
            name = f"{other.label}: {other.text}" if other is not None else f"span {other_id}"
            entity = self._entity_of(other) if other is not None else None
            if entity:
                name += f" ({entity})"
            item = QListWidgetItem(f"{rel.type} {arrow} {name}")
            item.setData(Qt.ItemDataRole.UserRole, rel.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, other_id)
            self.relations.addItem(item)
        if self.relations.count():
            self.relations.setCurrentRow(0)
        self.remove_link.setEnabled(bool(relations) and not read_only)

    def _entity_of(self, span: SpanData) -> str | None:
        return self.entity_name(span.entity_id) if span.entity_id is not None else None

    def attribute_values(self) -> dict[str, Any]:
        """The span's attributes as the fields now show them. Attributes the
        schema does not declare for its label, and values as stored that a
        field shows as text (a number), stay as they are."""
        values: dict[str, Any] = dict(self.span.attributes) if self.span is not None else {}
        for name, widget in self._attribute_widgets.items():
            before = values.get(name)
            if isinstance(widget, QComboBox):
                value = widget.currentData()
            else:
                text = widget.text().strip()
                value = before if before is not None and text == str(before) else text or None
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        return values

    def commit_pending(self) -> None:
        """Save a note or a typed attribute not yet confirmed with Enter: a
        shortcut that moves on (another span, another document, quitting)
        leaves the field without the focus change that would have saved it."""
        if self.span is None or self.read_only or self._committing:
            return
        span, note, values = self.span, self.note.text(), self.attribute_values()
        if values != dict(span.attributes):
            self._save_attributes(span, values)
        if note != span.note:
            self._save_note(span, note)

    def _attributes_changed(self) -> None:
        if self.span is None or self.read_only:
            return
        values = self.attribute_values()
        if values != dict(self.span.attributes):
            self._save_attributes(self.span, values)

    def _note_finished(self) -> None:
        if self.span is None or self.read_only:
            return
        if self.note.text() != self.span.note:
            self._save_note(self.span, self.note.text())

    # Each save shows the span again, here: not to be taken for typing not yet
    # saved, and maybe another span, selected meanwhile. The window may not
    # show it again (it would rebuild the field typed in), so the shown span
    # takes the saved value.
    def _save_attributes(self, span: SpanData, values: dict[str, Any]) -> None:
        with self._saving():
            self.attributesEdited.emit(span.id, values)
        if self.span is span:
            self.span = replace(span, attributes=values)

    def _save_note(self, span: SpanData, note: str) -> None:
        with self._saving():
            self.noteEdited.emit(span.id, note)
        if self.span is span:
            self.span = replace(span, note=note)

    @contextmanager
    def _saving(self) -> Iterator[None]:
        self._committing = True
        try:
            yield
        finally:
            self._committing = False

    def _remove_link(self) -> None:
        item = self.relations.currentItem()
        if item is not None and not self.read_only:
            self.relationRemoveRequested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _relation_activated(self, item: QListWidgetItem) -> None:
        self.relatedSpanActivated.emit(int(item.data(Qt.ItemDataRole.UserRole + 1)))


def _pieces_text(span: SpanData) -> str:
    """ ", in 2 pieces: 0–12, 25–40" for a split span; nothing for one piece."""
    if span.fragments is None:
        return ""
    where = ", ".join(f"{start}–{end}" for start, end in span.fragments)
    return f", in {len(span.fragments)} pieces: {where}"
