"""Document labels in the main window: judgements about the whole article
(topic, stance, "contains a check-worthy claim") that project.yaml declares
under ``schema.document_labels`` (issue 15; docs/window.md, "Document labels").

The Document labels dock shows one group per declared label: radio buttons
and a Clear button for a single choice, checkboxes for a multiple choice,
holding the values of the layer shown (the analyst's own, gold for a
reviewer; another annotator's read-only). A label's key, pressed in the
article, arms it; the next key is a value's number (**1**-**9**: set it, or
for a multiple choice toggle it; **0** clears; any other key cancels). Each
change is one ``SetDocumentLabel`` command, saved at once and undoable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDockWidget,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from annotator.app.entities import document_labels
from annotator.core import commands
from annotator.core.commands import Changes
from annotator.core.model import DocumentLabelValue
from annotator.core.schema import DocumentLabelDef
from annotator.ui import settings
from annotator.ui.plain import literal

if TYPE_CHECKING:
    from annotator.ui.window_base import AnnotationWindow

_NOT_PLAIN = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)
MAX_NUMBERED = 9
"""Values past the ninth are set with the mouse only."""


def label_title(defn: DocumentLabelDef) -> str:
    choice = "any of" if defn.multiple else "one of"
    key = f" [{defn.key.upper()}]" if defn.key else ""
    return f"{defn.name}{key} ({choice})"


def toggled(value: DocumentLabelValue | None, choice: str, values: tuple[str, ...]) -> list[str]:
    """A multiple choice with ``choice`` turned on or off, in the declared order."""
    chosen = set(value) if isinstance(value, list) else set()
    chosen ^= {choice}
    return [v for v in values if v in chosen]


class LabelGroup(QGroupBox):
    """One document label's values as buttons."""

    def __init__(self, defn: DocumentLabelDef, parent: QWidget | None = None) -> None:
        super().__init__(label_title(defn), parent)
        self.defn = defn
        self.setObjectName(f"documentLabel:{defn.name}")
        if defn.description:
            self.setToolTip(literal(defn.description))
        self.buttons: dict[str, QAbstractButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(not defn.multiple)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        for n, value in enumerate(defn.values, start=1):
            number = f"{n}  " if defn.key and n <= MAX_NUMBERED else ""
            text = f"{number}{value}"
            button: QAbstractButton = QCheckBox(text) if defn.multiple else QRadioButton(text)
            button.setObjectName(f"documentLabel:{defn.name}:{value}")
            self.group.addButton(button)
            self.buttons[value] = button
            layout.addWidget(button)
        self.clear = QPushButton("Clear")
        self.clear.setObjectName(f"documentLabelClear:{defn.name}")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.clear)
        layout.addLayout(row)

    def show_value(self, value: DocumentLabelValue | None) -> None:
        chosen = set(value) if isinstance(value, list) else {value}
        # Unchecking the button of an exclusive group is refused: lift it meanwhile.
        self.group.setExclusive(False)
        for name, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(name in chosen)
            button.blockSignals(False)
        self.group.setExclusive(not self.defn.multiple)

    def set_armed(self, armed: bool) -> None:
        font = self.font()
        font.setBold(armed)
        self.setFont(font)


class DocumentLabelPanel(QWidget):
    """Every declared document label of the open document, for one layer."""

    valueChosen = Signal(str, object)  # label name, value (None: cleared)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentLabels")
        self.note = QLabel()
        self.note.setObjectName("documentLabelsNote")
        self.note.setWordWrap(True)
        self.groups: dict[str, LabelGroup] = {}
        self.values: dict[str, DocumentLabelValue] = {}
        self.editable = False
        self._body = QWidget()
        self._column = QVBoxLayout(self._body)
        self._column.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addWidget(scroll, 1)

    def set_labels(self, definitions: tuple[DocumentLabelDef, ...]) -> None:
        for group in self.groups.values():
            group.deleteLater()
        self.groups = {}
        while self._column.count():
            self._column.takeAt(0)
        for defn in definitions:
            group = LabelGroup(defn)
            for value, button in group.buttons.items():
                button.clicked.connect(lambda _checked=False, d=defn, v=value: self._clicked(d, v))
            group.clear.clicked.connect(lambda _checked=False, d=defn: self._chosen(d, None))
            self.groups[defn.name] = group
            self._column.addWidget(group)
        self._column.addStretch(1)

    def wanted_height(self) -> int:
        """The height that shows every group without scrolling."""
        return self.note.sizeHint().height() + self._body.sizeHint().height() + 24

    def show_values(
        self, values: dict[str, DocumentLabelValue], *, editable: bool, note: str
    ) -> None:
        self.values = dict(values)
        self.editable = editable
        self.note.setText(note)
        for name, group in self.groups.items():
            group.show_value(values.get(name))
            group.setEnabled(editable)

    def choose(self, defn: DocumentLabelDef, value: str) -> None:
        """``value`` picked: set (single choice) or toggled (multiple)."""
        self._clicked(defn, value)

    def _clicked(self, defn: DocumentLabelDef, value: str) -> None:
        if defn.multiple:
            self._chosen(defn, toggled(self.values.get(defn.name), value, defn.values) or None)
        else:
            self._chosen(defn, value)

    def _chosen(self, defn: DocumentLabelDef, value: DocumentLabelValue | None) -> None:
        if not self.editable or value == self.values.get(defn.name):
            return
        self.valueChosen.emit(defn.name, value)


class LabelKeys(QObject):
    """The document labels' keys in the article view: a label's key, then a value's number."""

    def __init__(self, actions: DocumentLabelActions) -> None:
        super().__init__(actions.dock)
        self.actions = actions
        self.armed: DocumentLabelDef | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.modifiers() & _NOT_PLAIN:
            return False
        text = event.text().lower()
        if self.armed is not None:
            defn, self.armed = self.armed, None
            self.actions.disarmed(defn)
            if text.isdigit():
                self.actions.key_value(defn, int(text))
            return text.isdigit() or event.key() == Qt.Key.Key_Escape
        pressed = self.actions.definition_for_key(text) if text else None
        if pressed is None:
            return False
        if self.actions.arm(pressed):
            self.armed = pressed
        return True


DOCK_SETTING = "document_labels"


class DocumentLabelActions:
    """The window's Document labels dock and keys."""

    def __init__(self, window: AnnotationWindow) -> None:
        self.window = window
        self.panel = DocumentLabelPanel()
        self.dock = QDockWidget("Document labels", window)
        self.dock.setObjectName("documentLabelsDock")
        self.dock.setWidget(self.panel)
        self.dock.hide()
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.keys = LabelKeys(self)
        window.view.installEventFilter(self.keys)
        self.panel.valueChosen.connect(self.set_value)

    @property
    def definitions(self) -> tuple[DocumentLabelDef, ...]:
        project = self.window.project
        return project.schema.document_labels if project is not None else ()

    def definition_for_key(self, key: str) -> DocumentLabelDef | None:
        return next((d for d in self.definitions if d.key == key), None)

    # --- the window's hooks ---------------------------------------------------------

    def project_opened(self) -> None:
        self.panel.set_labels(self.definitions)
        if not self.definitions:
            if not self.dock.isHidden():
                settings.mark_dock_hidden_by_program(DOCK_SETTING, True)
            self.dock.hide()
        elif settings.dock_hidden_by_program(DOCK_SETTING):
            # Shown for a project that declares labels, unless the analyst
            # closed it: then it stays as the window's saved layout has it.
            settings.mark_dock_hidden_by_program(DOCK_SETTING, False)
            self.dock.show()
            wanted = self.panel.wanted_height()  # tall enough for its buttons
            self.window.resizeDocks([self.dock], [wanted], Qt.Orientation.Vertical)
        self.document_shown()

    def project_closed(self) -> None:
        self.panel.set_labels(())

    @property
    def layer(self) -> str:
        """The layer shown: the one edited, or the other annotator shown read-only."""
        window = self.window
        if window.view.editable:
            return window.layer
        return window.mode_combo.other or window.layer

    def document_shown(self) -> None:
        window = self.window
        if window.document_id is None or window.workspace.db is None or not self.definitions:
            self.panel.show_values({}, editable=False, note="No document open")
            return
        layer, editable = self.layer, window.view.editable
        values = document_labels(window.workspace, window.document_id, layer)
        note = f"{layer}'s labels of this article" + ("" if editable else " (read-only)")
        self.panel.show_values(values, editable=editable, note=note)

    def changes_applied(self, changes: Changes) -> None:
        """Show a change to the document shown, in the layer shown (an edit here,
        an undo, or someone else's)."""
        document = self.window.document_id
        if any((doc, layer) == (document, self.layer) for doc, layer, _ in changes.document_labels):
            self.document_shown()

    # --- edits ----------------------------------------------------------------------------

    def set_value(self, name: str, value: DocumentLabelValue | None) -> bool:
        window = self.window
        if window.document_id is None or not window.view.editable:
            window.statusBar().showMessage(
                "Read-only: these are another annotator's document labels", 5000
            )
            self.document_shown()
            return False
        # The panel holds the layer's values as shown (kept up to date by every change).
        if self.panel.values.get(name) == value:  # clearing what is not set: no edit to undo
            window.view.setFocus()
            return True
        command = commands.SetDocumentLabel(window.document_id, window.layer, name, value)
        done = window.run(command)
        if not done:
            self.document_shown()
        window.view.setFocus()
        return done

    def arm(self, defn: DocumentLabelDef) -> bool:
        """A label's key: say which numbers pick which values (False: read-only)."""
        window = self.window
        if window.document_id is None or not window.view.editable:
            window.statusBar().showMessage(
                f"Read-only: {defn.name} cannot be set on this layer", 5000
            )
            return False
        numbered = ", ".join(
            f"{n} {value}" for n, value in enumerate(defn.values[:MAX_NUMBERED], start=1)
        )
        verb = "toggles" if defn.multiple else "sets"
        window.statusBar().showMessage(
            f"{defn.name}: press a number ({numbered}; each {verb} its value), 0 clears, "
            "Esc cancels",
            10000,
        )
        group = self.panel.groups.get(defn.name)
        if group is not None:
            group.set_armed(True)
        return True

    def disarmed(self, defn: DocumentLabelDef) -> None:
        group = self.panel.groups.get(defn.name)
        if group is not None:
            group.set_armed(False)
        self.window.statusBar().clearMessage()

    def key_value(self, defn: DocumentLabelDef, number: int) -> None:
        """The number after a label's key: 0 clears, else the value of that number."""
        if number == 0:
            self.set_value(defn.name, None)
        elif number <= min(len(defn.values), MAX_NUMBERED):
            self.panel.choose(defn, defn.values[number - 1])
        else:
            self.window.statusBar().showMessage(
                f"{defn.name} has {len(defn.values)} values: no value {number}", 5000
            )
