"""Compare mode's document labels: each layer's value of every declared label
side by side, and the reviewer's decisions about gold's.

A row per document label: A's value and B's as buttons (a click accepts that
value into gold), and gold's value as an editor (a choice box for a single
choice, a check box per value for a multiple one) that sets gold's value
directly. The panel only asks: the compare window runs each decision as an
undoable command (:func:`annotator.core.adjudication.accept_document_label`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import GOLD_ANNOTATOR, DocumentLabelValue
from annotator.core.schema import DocumentLabelDef
from annotator.ui.plain import plain_label

NO_VALUE = "—"
"""What a layer that did not set a label shows."""


def value_text(value: DocumentLabelValue | None) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, list | tuple):
        return ", ".join(value) if value else "(none chosen)"
    return value


SHOWN_ROWS = 5
"""Document labels shown without scrolling in compare mode."""

CHECKS_A_ROW = 2
"""A many-valued document label's gold values, check boxes a row."""


class DocumentLabelsPanel(QWidget):
    """The document labels of A, B and gold for the document compared."""

    accepted = Signal(str, str)
    """(label, side "a" or "b"): put that side's value into gold."""
    goldSet = Signal(str, object)
    """(label, value or None): gold's value, chosen by the reviewer."""

    def __init__(self, a: str, b: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentLabels")
        self.a = a
        self.b = b
        self.title = plain_label("Document labels (click A's or B's value to accept it)")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("documentLabelTable")
        self.table.setHorizontalHeaderLabels(["document label", f"A {a}", f"B {b}", "gold"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        self.buttons: dict[tuple[str, str], QPushButton] = {}
        """(label, side) -> the button showing that side's value."""
        self.gold_choices: dict[str, QComboBox] = {}
        """Single-choice label -> gold's value box."""
        self.gold_checks: dict[str, dict[str, QCheckBox]] = {}
        """Multiple-choice label -> value -> gold's check box for it."""
        self.declared: tuple[DocumentLabelDef, ...] = ()

    def set_values(
        self,
        declared: Sequence[DocumentLabelDef],
        values: Mapping[str, Mapping[str, DocumentLabelValue]],
        *,
        editable: bool,
    ) -> None:
        """Show ``values`` (layer -> label -> value) of the ``declared`` labels;
        ``editable``: whether the user decides (a reviewer). The widgets are
        built once for the labels declared, then only updated."""
        self.setVisible(bool(declared))
        if tuple(declared) != self.declared:
            self._build(tuple(declared))
        for definition in self.declared:
            name = definition.name
            for side, layer in (("a", self.a), ("b", self.b)):
                value = values.get(layer, {}).get(name)
                button = self.buttons[(name, side)]
                button.setText(value_text(value))
                button.setEnabled(editable and value is not None)
            gold = values.get(GOLD_ANNOTATOR, {}).get(name)
            if definition.multiple:
                chosen = set(gold) if isinstance(gold, list | tuple) else set()
                for value, check in self.gold_checks[name].items():
                    check.setChecked(value in chosen)  # clicked, not toggled, is a decision
                    check.setEnabled(editable)
            else:
                box = self.gold_choices[name]
                box.setCurrentIndex(max(box.findData(gold), 0) if isinstance(gold, str) else 0)
                box.setEnabled(editable)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        # Room for every row (up to a few; more scroll), not a sliver of one.
        shown = range(min(self.table.rowCount(), SHOWN_ROWS))
        rows = sum(self.table.rowHeight(r) for r in shown)
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(rows + header + 2 * self.table.frameWidth())

    def _build(self, declared: tuple[DocumentLabelDef, ...]) -> None:
        self.declared = declared
        self.buttons.clear()
        self.gold_choices.clear()
        self.gold_checks.clear()
        self.table.setRowCount(0)
        self.table.setRowCount(len(declared))
        for row, definition in enumerate(declared):
            name = definition.name
            self.table.setCellWidget(row, 0, plain_label(name))
            for column, (side, layer) in enumerate((("a", self.a), ("b", self.b)), start=1):
                button = QPushButton()
                button.setObjectName(f"accept_{side}:{name}")
                button.setToolTip(f"Accept {layer}'s {name} into gold")
                button.clicked.connect(lambda _=False, n=name, s=side: self.accepted.emit(n, s))
                self.buttons[(name, side)] = button
                self.table.setCellWidget(row, column, button)
            editor = (
                self._gold_checks(definition)
                if definition.multiple
                else self._gold_choice(definition)
            )
            self.table.setCellWidget(row, 3, editor)

    def _gold_choice(self, definition: DocumentLabelDef) -> QWidget:
        box = QComboBox()
        box.setObjectName(f"gold:{definition.name}")
        box.addItem(NO_VALUE, None)
        for value in definition.values:
            box.addItem(value, value)
        name = definition.name
        # activated, not currentIndexChanged: only the user's choice is a decision.
        box.activated.connect(lambda index: self.goldSet.emit(name, box.itemData(index)))
        self.gold_choices[name] = box
        return box

    def _gold_checks(self, definition: DocumentLabelDef) -> QWidget:
        holder = QWidget()
        holder.setObjectName(f"gold:{definition.name}")
        # In rows of a few, so each value is read whole (one row cut them to a letter).
        grid = QGridLayout(holder)
        grid.setContentsMargins(2, 0, 2, 0)
        checks: dict[str, QCheckBox] = {}
        for n, value in enumerate(definition.values):
            check = QCheckBox(value)
            check.setToolTip(value)  # whole, should a narrow column cut it
            check.clicked.connect(lambda _=False, d=definition: self._checks_changed(d))
            checks[value] = check
            grid.addWidget(check, n // CHECKS_A_ROW, n % CHECKS_A_ROW)
        grid.setColumnStretch(CHECKS_A_ROW, 1)
        self.gold_checks[definition.name] = checks
        return holder

    def _checks_changed(self, definition: DocumentLabelDef) -> None:
        checks = self.gold_checks[definition.name]
        chosen = [value for value in definition.values if checks[value].isChecked()]
        self.goldSet.emit(definition.name, chosen or None)
