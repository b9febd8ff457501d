"""Compare mode: two layers of one document side by side in one text, and adjudication.

Keys: N / P next and previous disagreement; A accept A's span into gold, B
accept B's, R reject both; Ctrl+Shift+A accept every agreed span (and
document label) of the document; Ctrl+Z / Ctrl+Shift+Z undo and redo. The
document labels of both layers and gold are shown side by side
(:mod:`annotator.ui.review.compare_labels`), each decided with the mouse.
Every decision is a core command (:mod:`annotator.core.adjudication`) run by
the window's review workspace (:mod:`annotator.app.adjudication`), in one
transaction, into its one history, of which the window's QUndoStack is a
view; the store refuses gold edits by anyone but a reviewer. The window
reads its document through the same module.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from annotator.app import adjudication
from annotator.app.review import Database
from annotator.app.workspace import Workspace
from annotator.core.adjudication import (
    AcceptAgreed,
    AcceptSpan,
    GoldEdit,
    RejectItem,
    Resolution,
    Resolutions,
    accept_document_label,
    agreed_document_labels,
    resolutions_of,
)
from annotator.core.commands import Changes, Command
from annotator.core.compare import (
    KIND_TITLES,
    CompareItem,
    Kind,
    compare_layers,
    count_kinds,
    nearest_index,
    next_index,
    previous_index,
)
from annotator.core.model import GOLD_ANNOTATOR, DocumentLabelValue, SpanData
from annotator.core.schema import DocumentLabelDef
from annotator.ui.actions import COMPARE_WINDOW, Action
from annotator.ui.menus import build_actions
from annotator.ui.plain import CHIP_TEXT, escape, window_title
from annotator.ui.preferences import apply_article_palette
from annotator.ui.review.comments import CommentsPanel
from annotator.ui.review.compare_labels import DocumentLabelsPanel
from annotator.ui.review.compare_view import A_COLOR, B_COLOR, KIND_COLORS, CompareView
from annotator.ui.save_guard import EditRunner

INDEX_ROLE = Qt.ItemDataRole.UserRole

RESOLUTION_TEXT = {
    Resolution.OPEN: "",
    Resolution.ACCEPTED_A: "  ✓ A in gold",
    Resolution.ACCEPTED_B: "  ✓ B in gold",
    Resolution.REJECTED: "  ✗ rejected",
}


def _clip(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class CompareWindow(QMainWindow):
    """Compare layers ``a`` and ``b`` of one document and adjudicate into gold."""

    goldChanged = Signal(object)
    editRequested = Signal(int, int, int)
    """(document id, start, end): edit the gold layer there, in the annotation window."""
    edits_in_window = False
    """Set by the main window that listens to :attr:`editRequested`."""
    """The :class:`Changes` of each decision, undo and redo (for the main window)."""

    def __init__(
        self,
        db: Database,
        user: str,
        document_id: int,
        a: str,
        b: str,
        *,
        owns_database: bool = False,
        workspace: Workspace | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Compare on ``db``; with ``workspace`` (a review workspace opened on it,
        see :func:`annotator.ui.review.open_compare`), the window drives that
        workspace and closes it, and its database, when it closes; without, it
        drives a review workspace of its own over ``db``."""
        if a == b:
            raise ValueError(f"compare two different layers, not {a} with itself")
        super().__init__(parent)
        self.setObjectName("compareWindow")
        self.db = db
        self.user = user
        self.document_id = document_id
        self.a = a
        self.b = b
        self._owns_database = owns_database or workspace is not None
        if workspace is None:  # the database is the caller's unless it is owned
            workspace = adjudication.review_workspace(db)
        assert workspace.db is db and workspace.store is not None
        self.store = workspace.store
        self.resolutions = Resolutions()
        self.undo_stack = QUndoStack(self)
        # As in the main window: an edit the database cannot take now is kept
        # in a bar and retried; one it refuses is reported, not done.
        self.edits = EditRunner(self, self.undo_stack, self._changed, self.reload)
        self.edits.open(workspace)
        self.unsaved = self.edits.bar
        self.items: list[CompareItem] = []
        self.states: list[Resolution] = []
        self.gold: list[SpanData] = []
        self.current: int | None = None
        self.title = ""
        self.declared: tuple[DocumentLabelDef, ...] = ()
        self.document_labels: dict[str, dict[str, DocumentLabelValue]] = {}
        """Layer (A, B, gold) -> {document label: value}, as last read."""
        self.reviewer = False
        self.labels_panel = DocumentLabelsPanel(a, b)
        self.labels_panel.accepted.connect(self.accept_label)
        self.labels_panel.goldSet.connect(self.set_gold_label)

        self.view = CompareView()
        apply_article_palette(self)
        self.view.itemClicked.connect(self.set_current)
        self.list = QListWidget()
        self.list.setObjectName("disagreementList")
        self.list.currentRowChanged.connect(self._row_changed)
        self.header = QLabel()
        self.header.setObjectName("compareHeader")
        self.header.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setObjectName("compareLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.detail = QLabel()
        self.detail.setObjectName("itemDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.comments = CommentsPanel(db, user)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        self.list_title = QLabel("Disagreements")
        side_layout.addWidget(self.labels_panel)
        side_layout.addWidget(self.list_title)
        side_layout.addWidget(self.list, 3)
        side_layout.addWidget(self.detail)
        side_layout.addWidget(self.comments, 2)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.unsaved)
        layout.addWidget(self.header)
        legend_row = QHBoxLayout()
        legend_row.addWidget(self.legend, 1)
        layout.addLayout(legend_row)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self._build_actions()
        for widget in (self.view, self.list):
            widget.installEventFilter(self)
        self.reload()
        self.resize(1100, 700)

    @property
    def workspace(self) -> Workspace:
        """The review workspace the window drives (its history, kept edits)."""
        return self.edits.workspace

    # --- actions -----------------------------------------------------------------

    def _build_actions(self) -> None:
        """The keys and the toolbar, from their declarations (ui/actions.py)."""
        toolbar = QToolBar("Adjudication")
        toolbar.setObjectName("compareToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        def add(action: QAction, declared: Action) -> None:
            self.addAction(action)  # the keys work anywhere in the window
            if declared.separator_before:
                toolbar.addSeparator()
            toolbar.addAction(action)

        built = build_actions(
            self,
            COMPARE_WINDOW,
            provided={
                "undo": lambda spec: self.undo_stack.createUndoAction(self, spec.text),
                "redo": lambda spec: self.undo_stack.createRedoAction(self, spec.text),
            },
            fields={"a": self.a, "b": self.b},
            context=Qt.ShortcutContext.WindowShortcut,
            add_to=add,
        )
        self.actions_by_name = built.actions
        self.addToolBar(toolbar)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The keys also work when the window is not the active one (a shortcut
        # needs that, and a test or a dock may not give it); otherwise the list
        # would swallow the letters (type-ahead search).
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            for action in self.actions_by_name.values():
                if any(pressed == shortcut for shortcut in action.shortcuts()):
                    if action.isEnabled():
                        action.trigger()
                    return True
        return super().eventFilter(watched, event)

    # --- data --------------------------------------------------------------------

    def reload(self) -> None:
        """Read the text and the three layers and compare again; keep the current place."""
        before = self.items[self.current] if self.current is not None else None
        seen = adjudication.comparison(self.workspace, self.document_id, self.a, self.b, self.user)
        # Rejections are stored: they hold for every reviewer and every later look.
        self.resolutions.rejected = seen.rejected
        if self.view.text != seen.text:
            self.view.set_text(seen.text)
        self.title = seen.title
        self.items = compare_layers(seen.layer(self.a), seen.layer(self.b))
        self.gold = seen.layer(GOLD_ANNOTATOR)
        self.states = resolutions_of(self.items, self.gold, self.resolutions)
        current = None
        if before is not None:
            current = next((n for n, i in enumerate(self.items) if i.key == before.key), None)
            if current is None:
                current = nearest_index(self.items, before.start)
        self.current = current
        reviewer = self.reviewer = seen.reviewer
        for name in ("accept_a", "accept_b", "reject", "accept_agreed"):
            self.actions_by_name[name].setEnabled(reviewer)
        self.declared = seen.declared
        self._show_labels(seen.document_labels)
        self.header.setText(
            f"<b>{escape(_clip(self.title, 80))}</b> (document {self.document_id}) — "
            f"A = <span style='color:{A_COLOR}'><b>{escape(self.a)}</b></span>, "
            f"B = <span style='color:{B_COLOR}'><b>{escape(self.b)}</b></span>; "
            f"{escape(self.user)} {'decides as reviewer' if reviewer else 'reads (not a reviewer)'}"
        )
        self.setWindowTitle(
            window_title(f"Compare {self.a} and {self.b} — {_clip(self.title, 50)}")
        )
        self._fill_legend()
        self.view.set_items(self.items, self.states, self.current)
        self._fill_list()
        self._show_current(scroll=False)

    def _fill_legend(self) -> None:
        counts = count_kinds(self.items)
        chips = [
            f"<span style='background:{KIND_COLORS[k]}; color:{CHIP_TEXT}'>&nbsp;{KIND_TITLES[k]}: "
            f"{counts[k]}&nbsp;</span>"
            for k in Kind
        ]
        marks = (
            f"<span style='color:{A_COLOR}'>▁ A's extent</span> "
            f"<span style='color:{B_COLOR}'>▁ B's extent</span> "
            "<u>underlined</u>: in gold, <s>struck</s>: rejected"
        )
        self.legend.setText("&nbsp;&nbsp;".join(chips) + "&nbsp;&nbsp;&nbsp;" + marks)

    def refresh_gold(self) -> None:
        """Re-read only the gold layer and show the items whose state changed.

        Enough after a decision when neither compared layer is gold: the items
        stay the same, only their states move.
        """
        self.gold = adjudication.gold_spans(self.workspace, self.document_id)
        states = resolutions_of(self.items, self.gold, self.resolutions)
        changed = [
            n for n, (old, new) in enumerate(zip(self.states, states, strict=True)) if old != new
        ]
        self.states = states
        self.view.update_states(states, changed)
        rows = {int(self.list.item(r).data(INDEX_ROLE)): r for r in range(self.list.count())}
        for n in changed:
            if n in rows:
                self.list.item(rows[n]).setText(self._row_text(self.items[n], states[n]))
        self._set_list_title()
        self._show_current(scroll=False)
        if self.declared:
            layers = list(dict.fromkeys([self.a, self.b, GOLD_ANNOTATOR]))
            self._show_labels(
                adjudication.document_label_values(self.workspace, self.document_id, layers)
            )

    def _show_labels(self, values: dict[str, dict[str, DocumentLabelValue]]) -> None:
        self.document_labels = values
        self.labels_panel.set_values(self.declared, values, editable=self.reviewer)

    def _set_list_title(self) -> None:
        open_count = sum(
            1
            for item, state in zip(self.items, self.states, strict=True)
            if item.is_disagreement and state is Resolution.OPEN
        )
        total = sum(1 for item in self.items if item.is_disagreement)
        self.list_title.setText(f"Disagreements: {total} ({open_count} open)")

    def _fill_list(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for n, item in enumerate(self.items):
            if not item.is_disagreement:
                continue
            row = QListWidgetItem(self._row_text(item, self.states[n]))
            row.setData(INDEX_ROLE, n)
            self.list.addItem(row)
            if n == self.current:
                self.list.setCurrentItem(row)
        self.list.blockSignals(False)
        self._set_list_title()

    def _row_text(self, item: CompareItem, state: Resolution) -> str:
        span = item.a or item.b
        assert span is not None
        if item.kind is Kind.LABEL_DIFFERS and item.a and item.b:
            what = f"{item.a.label} / {item.b.label}"
        elif item.kind is Kind.OVERLAP and item.a and item.b:
            what = (
                item.a.label if item.a.label == item.b.label else f"{item.a.label} / {item.b.label}"
            )
        else:
            what = span.label
        text = self.view.text[item.start : item.end]
        return f"{KIND_TITLES[item.kind]} · {what} · “{_clip(text, 36)}”{RESOLUTION_TEXT[state]}"

    # --- navigation ----------------------------------------------------------------

    def set_current(self, index: int | None) -> None:
        self.current = index
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)
        for row in range(self.list.count()):
            if self.list.item(row).data(INDEX_ROLE) == index:
                self.list.setCurrentRow(row)
                break
        self.list.blockSignals(False)
        self._show_current(scroll=True)

    def _row_changed(self, row: int) -> None:
        if row >= 0:
            self.set_current(int(self.list.item(row).data(INDEX_ROLE)))

    def _show_current(self, *, scroll: bool) -> None:
        self.view.set_current(self.current, scroll=scroll)
        if self.current is None:
            self.detail.setText("Pick a disagreement (N / P, or click the text).")
            self.comments.set_target(self.document_id)
            return
        item = self.items[self.current]
        lines = [f"<b>{KIND_TITLES[item.kind]}</b>"]
        for side, span, color in (("A", item.a, A_COLOR), ("B", item.b, B_COLOR)):
            if span is not None:
                lines.append(
                    f"<span style='color:{color}'>{side} {escape(span.annotator)}</span>: "
                    f"{escape(span.label)} [{span.start}–{span.end}] "
                    f"“{escape(_clip(span.text, 60))}”"
                )
        state = self.states[self.current]
        if state is not Resolution.OPEN:
            lines.append(RESOLUTION_TEXT[state].strip())
        self.detail.setText("<br>".join(lines))
        span = item.a or item.b
        assert span is not None
        self.comments.set_target(
            self.document_id, span.id, f"{span.annotator}'s {span.label} “{_clip(span.text, 30)}”"
        )

    def next(self) -> None:
        found = next_index(self.items, self.current)
        if found is None:
            self.statusBar().showMessage("No more disagreements after this one", 3000)
            return
        self.set_current(found)

    def previous(self) -> None:
        found = previous_index(self.items, self.current)
        if found is None:
            self.statusBar().showMessage("No disagreement before this one", 3000)
            return
        self.set_current(found)

    # --- decisions -------------------------------------------------------------------

    def run(self, command: Command) -> bool:
        """Run a decision through the workspace (one transaction, one step of
        its history, shown on the undo stack).

        True only when saved; a refused edit is reported, one the database
        cannot take now is kept in the bar and saved later (``ui/save_guard.py``).
        """
        if not self.edits.run(command):
            return False
        self.statusBar().showMessage(command.text, 3000)
        return True

    def _changed(self, changes: Changes) -> None:
        if GOLD_ANNOTATOR in (self.a, self.b):
            self.reload()  # a compared layer changed: compare again
        else:
            self.refresh_gold()
        self.goldChanged.emit(changes)

    def _current_item(self) -> CompareItem | None:
        if self.current is None:
            self.statusBar().showMessage("Pick a disagreement first (N / P)", 3000)
            return None
        return self.items[self.current]

    def edit(self) -> bool:
        """Hand the current item to the annotation window, to mark gold by hand
        (a different extent or label than either annotator's)."""
        item = self._current_item()
        if item is None:
            return False
        if not self.edits_in_window:
            self.statusBar().showMessage("Open compare mode from the main window to edit", 4000)
            return False
        self.editRequested.emit(self.document_id, item.start, item.end)
        return True

    def accept(self, side: str) -> bool:
        item = self._current_item()
        if item is None:
            return False
        if (item.a if side == "a" else item.b) is None:
            who = self.a if side == "a" else self.b
            self.statusBar().showMessage(f"{who} has no span here to accept", 3000)
            return False
        command = AcceptSpan(self.document_id, item, side, self.user, resolutions=self.resolutions)
        return self._decide(command)

    def reject(self) -> bool:
        item = self._current_item()
        if item is None:
            return False
        return self._decide(
            RejectItem(self.document_id, item, self.user, resolutions=self.resolutions)
        )

    def _decide(self, command: GoldEdit) -> bool:
        if not self.run(command):
            return False
        # On to the next disagreement after the one decided (which stays current
        # after the reload, or the item nearest to it), if there is one.
        found = next_index(self.items, self.current)
        if found is not None:
            self.set_current(found)
        return True

    def accept_agreed(self) -> bool:
        agreed = sum(1 for i in self.items if i.kind is Kind.SAME)
        labels = agreed_document_labels(
            self.document_labels.get(self.a, {}),
            self.document_labels.get(self.b, {}),
            self.document_labels.get(GOLD_ANNOTATOR, {}),
            [d.name for d in self.declared],
        )
        if not agreed and not labels:
            self.statusBar().showMessage(f"{self.a} and {self.b} agree on no span here", 3000)
            return False
        return self.run(
            AcceptAgreed(
                self.document_id,
                self.items,
                self.user,
                resolutions=self.resolutions,
                labels=labels,
            )
        )

    def accept_label(self, name: str, side: str) -> bool:
        """Put A's (``side`` "a") or B's value of the document label ``name`` into gold."""
        layer = self.a if side == "a" else self.b
        value = self.document_labels.get(layer, {}).get(name)
        if value is None:
            self.statusBar().showMessage(f"{layer} has not set {name}", 3000)
            return False
        return self.run(
            accept_document_label(self.document_id, name, value, self.user, source=layer)
        )

    def set_gold_label(self, name: str, value: DocumentLabelValue | None) -> bool:
        """Gold's value of the document label ``name``, as the reviewer chose it."""
        return self.run(accept_document_label(self.document_id, name, value, self.user))

    def gold_spans(self) -> list[SpanData]:
        return list(self.gold)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.edits.may_close():
            event.ignore()
            return
        super().closeEvent(event)
        if self._owns_database:
            self.edits.close()  # the workspace closes its database
