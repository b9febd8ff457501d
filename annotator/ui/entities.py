"""Entities in the main window: linking a mention to an entity, and the
Entities panel (issue 15; docs/window.md, "Entities").

A mention is linked with Edit → Link to entity (**Ctrl+E**): a box with a
completer over the project's entities (their names and aliases) picks one, or
a new name and Enter creates one with the span's label and links it, one step
of undo. The panel lists every entity with its label, external id, aliases
and mention counts; its name, external id and aliases are edited in place
(each edit an ``UpdateEntity`` command, refused when someone changed the
entity meanwhile); the mentions of the selected entity are listed across
articles and layers, and a click opens one. Reads go through
``annotator.app.entities``; edits through the window's workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QDialog,
    QDockWidget,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.app.entities import EntityRow, entity_mentions, entity_rows
from annotator.core import commands
from annotator.core.commands import Changes
from annotator.core.model import EntityData, Mention, SpanData
from annotator.ui.column_model import ColumnTableModel
from annotator.ui.plain import literal
from annotator.ui.view_modes import MODE_ALL

if TYPE_CHECKING:
    from annotator.ui.window_base import AnnotationWindow

ModelIndex = QModelIndex | QPersistentModelIndex

ALIAS_SEPARATOR = ";"
"""Between aliases where they are edited as one text (a name may hold a comma)."""

REFRESH_MS = 300
"""The panel reads the entities again this long after the last edit that may
change them (a burst of edits is one read)."""


def entity_summary(entity: EntityData) -> str:
    """ "Antony Blinken (Person · Q4498)": what the completer and messages show."""
    extra = " · ".join(part for part in (entity.label, entity.external_id) if part)
    return f"{entity.name} ({extra})" if extra else entity.name


def aliases_text(aliases: tuple[str, ...]) -> str:
    return f"{ALIAS_SEPARATOR} ".join(aliases)


def parse_aliases(text: str) -> list[str]:
    return [alias.strip() for alias in text.split(ALIAS_SEPARATOR) if alias.strip()]


# --- choosing an entity --------------------------------------------------------------


class NameCompletions(QAbstractListModel):
    """One row per name and alias of each entity: the completer matches the
    name or alias (edit role), and shows which entity it is (display role)."""

    def __init__(self, entities: list[EntityData]) -> None:
        super().__init__()
        self._rows = [
            (name, entity) for entity in entities for name in (entity.name, *entity.aliases)
        ]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name, entity = self._rows[index.row()]
        if role == Qt.ItemDataRole.EditRole:
            return name
        if role == Qt.ItemDataRole.DisplayRole:
            summary = entity_summary(entity)
            return summary if name == entity.name else f"{name} → {summary}"
        if role == Qt.ItemDataRole.UserRole:
            return entity.id
        return None


class EntityChooser(QDialog):
    """Pick the entity a mention refers to, or name a new one.

    ``chosen`` is emitted with the entity picked from the completer (or whose
    name or alias was typed exactly, with the mention's label), ``created``
    with a new name; the dialog then closes.
    """

    chosen = Signal(object)  # EntityData
    created = Signal(str)

    def __init__(
        self, span: SpanData, entities: list[EntityData], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("entityChooser")
        self.setWindowTitle("Link to entity")
        self.span = span
        self.entities = {entity.id: entity for entity in entities}
        self._picked: EntityData | None = None
        self.field = QLineEdit()
        self.field.setObjectName("entityName")
        self.field.setPlaceholderText("Name or alias of the entity")
        self.field.setText(" ".join(span.text.split()))
        self.field.selectAll()
        self.completions = NameCompletions(entities)
        self.completer = QCompleter(self.completions, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionRole(Qt.ItemDataRole.EditRole)
        self.completer.activated[QModelIndex].connect(self._completed)  # type: ignore[index]
        self.field.setCompleter(self.completer)
        self.field.returnPressed.connect(self._entered)
        hint = QLabel(
            f"Link the {literal(span.label)} “{literal(' '.join(span.text.split()))}” to an "
            "entity: pick one from the list, or type a new name and press Enter to create it."
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.field)
        self.resize(420, self.sizeHint().height())

    def _completed(self, index: QModelIndex) -> None:
        entity = self.entities.get(int(index.data(Qt.ItemDataRole.UserRole)))
        if entity is not None:
            self._picked = entity
            self._finish(entity)

    def _entered(self) -> None:
        if not self.isVisible():
            return
        popup = self.completer.popup()
        if popup is not None and popup.isVisible():
            if popup.currentIndex().isValid():
                return  # a row is chosen: the completer picks it after this
            popup.hide()  # a new name that only looks like some: one Enter makes it
        name = " ".join(self.field.text().split())
        if not name:
            return
        known = self.matching(name)
        if known is not None:
            self._finish(known)
        else:
            self.hide()
            self.created.emit(name)
            self.accept()

    def matching(self, name: str) -> EntityData | None:
        """The one entity with the mention's label (or none) named or aliased ``name``."""
        wanted = name.casefold()
        found = [
            entity
            for entity in self.entities.values()
            if entity.label in ("", self.span.label)
            and wanted in {n.casefold() for n in (entity.name, *entity.aliases)}
        ]
        return found[0] if len(found) == 1 else None

    def _finish(self, entity: EntityData) -> None:
        self.hide()
        self.chosen.emit(entity)
        self.accept()


# --- the panel -------------------------------------------------------------------------


class EntityTableModel(ColumnTableModel):
    """Every entity of the project; name, external id and aliases are editable."""

    COLUMNS = ("Name", "Label", "External id", "Aliases", "Mentions")
    EDITABLE = (0, 2, 3)

    edited = Signal(object, str, object)  # EntityData, field, new value

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[EntityRow] = []

    def set_rows(self, rows: list[EntityRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() in self.EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        entity = row.entity
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            column = index.column()
            if column == 0:
                return entity.name
            if column == 1:
                return entity.label
            if column == 2:
                return entity.external_id
            if column == 3:
                return aliases_text(entity.aliases)
            if role == Qt.ItemDataRole.EditRole:
                return row.mentions
            documents = f"{row.documents} article{'s' * (row.documents != 1)}"
            return f"{row.mentions} in {documents}" if row.mentions else "0"
        if role == Qt.ItemDataRole.UserRole:
            return entity.id
        return None

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        entity = self.rows[index.row()].entity
        text = str(value).strip()
        column = index.column()
        if column == 0 and text and text != entity.name:
            self.edited.emit(entity, "name", text)
        elif column == 2 and text != entity.external_id:
            self.edited.emit(entity, "external_id", text)
        elif column == 3 and tuple(parse_aliases(text)) != entity.aliases:
            self.edited.emit(entity, "aliases", parse_aliases(text))
        return False  # the row changes when the saved edit is read back

    def row_of(self, entity_id: int) -> int | None:
        return next((n for n, r in enumerate(self.rows) if r.entity.id == entity_id), None)


class EntityPanel(QWidget):
    """The Entities dock: a filter, the entities, and the selected one's mentions."""

    entitySelected = Signal(object)  # entity id, or None
    mentionActivated = Signal(int, int)  # document id, span id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("entityPanel")
        self.filter = QLineEdit(placeholderText="Filter by name, alias or external id")
        self.filter.setObjectName("entityFilter")
        self.filter.setClearButtonEnabled(True)
        self.model = EntityTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setObjectName("entityTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.mentions = QTableWidget(0, 3)
        self.mentions.setObjectName("mentionList")
        self.mentions.setHorizontalHeaderLabels(["Article", "Mention", "Annotator"])
        self.mentions.verticalHeader().hide()
        self.mentions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mentions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.mentions.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.mentions.cellClicked.connect(self._mention_clicked)
        self.mentions.cellActivated.connect(self._mention_clicked)
        self.mentions_title = QLabel("Mentions: select an entity")
        self.mentions_title.setObjectName("mentionsTitle")
        below = QWidget()
        column = QVBoxLayout(below)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.mentions_title)
        column.addWidget(self.mentions)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(below)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(splitter, 1)
        self.mention_rows: list[Mention] = []

    @property
    def selected_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return int(index.data(Qt.ItemDataRole.UserRole))

    def set_rows(self, rows: list[EntityRow]) -> None:
        """Show these entities, the selected one staying selected."""
        selected = self.selected_id
        self.table.selectionModel().blockSignals(True)
        self.model.set_rows(rows)
        self.table.selectionModel().blockSignals(False)
        if selected is not None:
            self.select(selected, notify=False)

    def select(self, entity_id: int | None, *, notify: bool = True) -> None:
        row = self.model.row_of(entity_id) if entity_id is not None else None
        if row is None:
            self.table.clearSelection()
            if notify:
                self.entitySelected.emit(None)
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not notify:
            self.table.selectionModel().blockSignals(True)
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        self.table.selectionModel().blockSignals(False)

    def show_mentions(self, entity: EntityData | None, mentions: list[Mention]) -> None:
        self.mention_rows = mentions
        self.mentions.setRowCount(len(mentions))
        for n, mention in enumerate(mentions):
            title = mention.document_title or f"Document {mention.document_id}"
            for column, text in enumerate((title, mention.text, mention.annotator)):
                item = QTableWidgetItem(" ".join(text.split()))
                item.setToolTip(literal(text))
                self.mentions.setItem(n, column, item)
        if entity is None:
            self.mentions_title.setText("Mentions: select an entity")
        else:
            self.mentions_title.setText(f"Mentions of {entity.name} ({len(mentions)}):")

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.entitySelected.emit(
            int(current.data(Qt.ItemDataRole.UserRole)) if current.isValid() else None
        )

    def _mention_clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.mention_rows):
            mention = self.mention_rows[row]
            self.mentionActivated.emit(mention.document_id, mention.span_id)


class EntityActions:
    """The window's entity actions and its Entities dock."""

    def __init__(self, window: AnnotationWindow) -> None:
        self.window = window
        self.panel = EntityPanel()
        self.dock = QDockWidget("Entities", window)
        self.dock.setObjectName("entitiesDock")
        self.dock.setWidget(self.panel)
        self.dock.hide()
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.chooser: EntityChooser | None = None
        self.known: dict[int, EntityData] = {}
        """The entities last read (names for the span details), kept up to date by
        the changes the window applies."""
        self._refresh = QTimer(self.dock)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.refresh)
        self._follow_selected = False
        self.dock.visibilityChanged.connect(self._shown)
        self.panel.entitySelected.connect(self._show_mentions)
        self.panel.mentionActivated.connect(self.open_mention)
        self.panel.model.edited.connect(self.edit_entity)

    # --- the window's hooks ---------------------------------------------------------

    def project_opened(self) -> None:
        self.known = {}
        self.refresh()

    def project_closed(self) -> None:
        self._refresh.stop()
        self.known = {}
        self.panel.set_rows([])
        self.panel.show_mentions(None, [])

    def changes_applied(self, changes: Changes) -> None:
        """An edit, here or by someone else, may have changed entities or mentions."""
        for entity_id, entity in changes.entities.items():
            if entity is None:
                self.known.pop(entity_id, None)
            else:
                self.known[entity_id] = entity
        if changes.entities:
            self.window.refresh_details()  # a mention's entity may have a new name
        touched = changes.entities or any(
            (changes.added_spans, changes.updated_spans, changes.removed_spans)
        )
        selected = self.window.view.selected_span_id
        if selected is not None and selected in changes.updated_spans:
            self._follow_selected = True  # linked or unlinked: the panel follows it
        if touched and self.dock.isVisible():
            self._refresh.start()

    def span_selected(self, span: SpanData | None) -> None:
        """The panel follows the selected mention to its entity."""
        if span is not None and span.entity_id is not None and self.dock.isVisible():
            self.panel.select(span.entity_id)

    def _shown(self, visible: bool) -> None:
        if visible:
            self.refresh()

    def refresh(self) -> None:
        """Read the entities (and the selected one's mentions) again."""
        if self.window.workspace.db is None:
            return
        if self.panel.table.state() == QAbstractItemView.State.EditingState:
            self._refresh.start()  # not under the analyst's typing: after it
            return
        if not self.dock.isVisible():
            return  # entity_name reads what the details need, when they need it
        rows = entity_rows(self.window.workspace)
        self.known = {row.entity.id: row.entity for row in rows}
        self.panel.set_rows(rows)
        span = self.window.view.selected_span
        if self._follow_selected and span is not None and span.entity_id is not None:
            self.panel.select(span.entity_id, notify=False)
        self._follow_selected = False
        self._show_mentions(self.panel.selected_id)

    def entity_name(self, entity_id: int) -> str | None:
        """An entity as the details show it ("Antony Blinken (Person · Q4498)")."""
        if entity_id not in self.known and self.window.workspace.db is not None:
            self.known = {row.entity.id: row.entity for row in entity_rows(self.window.workspace)}
        entity = self.known.get(entity_id)
        return entity_summary(entity) if entity is not None else None

    def _show_mentions(self, entity_id: object) -> None:
        workspace = self.window.workspace
        row = self.panel.model.row_of(entity_id) if isinstance(entity_id, int) else None
        if row is None or workspace.db is None:
            self.panel.show_mentions(None, [])
            return
        entity = self.panel.model.rows[row].entity
        self.panel.show_mentions(entity, entity_mentions(workspace, entity.id))

    # --- actions ------------------------------------------------------------------------

    def _selected_mention(self) -> SpanData | None:
        """The selected span when the analyst may change it; else None, and why."""
        window = self.window
        span = window.view.selected_span
        if span is None or window.document_id is None:
            window.statusBar().showMessage("Select a mention (a span) first", 5000)
            return None
        if not window.view.editable or span.annotator != window.layer:
            window.statusBar().showMessage(
                f"Read-only: this span is {span.annotator}'s, not in the layer you edit", 5000
            )
            return None
        return span

    def link_selected(self) -> EntityChooser | None:
        """Edit → Link to entity: ask which entity the selected mention refers to."""
        span = self._selected_mention()
        if span is None:
            return None
        entities = [row.entity for row in entity_rows(self.window.workspace)]
        chooser = EntityChooser(span, entities, self.window)
        chooser.chosen.connect(lambda entity: self.link(span, entity))
        chooser.created.connect(lambda name: self.link_new(span, name))
        chooser.finished.connect(self._chooser_closed)
        self.chooser = chooser
        chooser.open()
        chooser.field.setFocus()
        return chooser

    def _chooser_closed(self) -> None:
        """Keys go back to the article (its window is active again)."""
        if self.chooser is not None:
            self.chooser.deleteLater()
            self.chooser = None
        self.window.activateWindow()
        self.window.view.setFocus()

    def link(self, span: SpanData, entity: EntityData) -> bool:
        window = self.window
        done = window.run(commands.SetEntity(span, window.user, entity.id, entity.name))
        if done:
            window.statusBar().showMessage(f"Linked to {entity_summary(entity)}", 5000)
        window.view.setFocus()
        return done

    def link_new(self, span: SpanData, name: str) -> bool:
        window = self.window
        done = window.run(commands.LinkNewEntity(span, window.user, name, span.label))
        if done:
            window.statusBar().showMessage(f"New entity {name} ({span.label})", 5000)
        window.view.setFocus()
        return done

    def unlink_selected(self) -> bool:
        """Edit → Unlink from entity: the selected span is a mention of nothing."""
        span = self._selected_mention()
        if span is None:
            return False
        if span.entity_id is None:
            self.window.statusBar().showMessage("This span is not linked to an entity", 5000)
            return False
        return self.window.run(commands.SetEntity(span, self.window.user, None))

    def edit_entity(self, entity: EntityData, field: str, value: object) -> bool:
        """A name, external id or aliases typed in the panel: saved at once, undoable."""
        command = commands.UpdateEntity(entity, self.window.user, **{field: value})  # type: ignore[arg-type]
        done = self.window.run(command)
        if not done:
            self.refresh()  # refused (changed meanwhile): show what is stored
        return done

    def open_mention(self, document_id: int, span_id: int) -> None:
        """Open the mention's document and select it (every layer shown if it is
        not in the layers shown now)."""
        window = self.window
        mention = next((m for m in self.panel.mention_rows if m.span_id == span_id), None)
        visible = window.visible_annotators()
        if mention is not None and visible is not None and mention.annotator not in visible:
            window.set_view_mode(MODE_ALL)
        if window.document_id != document_id:
            window.show_document(document_id, top_first=False)
        if window.document_id != document_id:
            return
        window.view.select_span(span_id, scroll=True)
        window.view.setFocus()
