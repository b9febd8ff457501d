"""The main window: documents, the article, the label palette, spans and details.

One thing: the window lays these out and keeps what they show in step with
one workspace (``annotator/app/workspace.py``): the project it opens, the
document shown and every edit saved, its own (through :class:`EditRunner`)
and others' (through the live feed). What is not that is in modules of its
own: ``project_files.py`` (new project, import, export, the backup offer),
``span_edits.py`` (the view's requests made commands), ``view_modes.py``
(whose spans are shown), ``review_menu.py`` and ``suggestions.py``.

The window is built and shown before the project is opened: the application
package imports the database layer only when a project opens (docs/design.md,
"Start-up").
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMenu,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.app.document_list import FileListQuery
from annotator.app.live import OthersEdits
from annotator.app.roles import role_in
from annotator.app.workspace import DatabaseNotOpened, Workspace, preview_document
from annotator.core import commands
from annotator.core.commands import Changes, Command
from annotator.core.errors import InputProblem
from annotator.core.model import DocStatus, SpanData, name_problem
from annotator.core.schema import RelationType
from annotator.ui import settings
from annotator.ui.actions import MAIN_WINDOW
from annotator.ui.article_view import ArticleView
from annotator.ui.document_labels import DocumentLabelActions
from annotator.ui.document_list import DocumentPanel
from annotator.ui.entities import EntityActions
from annotator.ui.live import LiveUpdates
from annotator.ui.menus import build_actions
from annotator.ui.panels import LabelPalette, SpanList, SpanTableModel
from annotator.ui.plain import menu_text, window_title
from annotator.ui.project_files import ProjectFiles
from annotator.ui.review_menu import ReviewActions
from annotator.ui.save_guard import EditRunner
from annotator.ui.span_details import SpanDetails
from annotator.ui.span_edits import SpanEdits
from annotator.ui.suggestions import AssistActions
from annotator.ui.view_modes import MODE_ALL, MODE_MINE, ViewModeBox
from annotator.ui.window_base import AnnotationWindow

MIN_ARTICLE_WIDTH = 300
MIN_SIDE_PANEL_WIDTH = 180


class MainWindow(AnnotationWindow):
    firstScreenPainted = Signal(int)
    """A long document's first screen is on screen, painted with the spans
    that start there, before the rest of its spans is read (the id)."""

    def __init__(self, user: str | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.user = user or settings.default_user()
        self.document_id: int | None = None
        self._chosen_before_open: int | None = None
        self._refusal_shown = ""
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setObjectName("undoStack")

        self.view = ArticleView()
        self.view.user = self.user
        self.documents = DocumentPanel()
        self.label_palette = LabelPalette()
        self.span_model = SpanTableModel(self.view.label_color)
        self.span_list = SpanList(self.span_model)
        self.details = SpanDetails()
        self.mode_combo = ViewModeBox()
        self.progress_label = QLabel()
        self.span_edits = SpanEdits(self)  # the view's and details' requests -> commands
        self.edits = EditRunner(self, self.undo_stack, self._apply_changes, self._show_stored)
        self.unsaved = self.edits.bar
        self.live: LiveUpdates | None = None
        self.is_reviewer = False

        self._build_layout()
        self._build_menus()
        self._connect()
        self.setWindowTitle("Annotator")
        self.statusBar().addPermanentWidget(self.progress_label)
        settings.restore_layout(self, self.view)

    # --- building ----------------------------------------------------------

    def _build_layout(self) -> None:
        left = QDockWidget("Documents", self)
        left.setObjectName("documentsDock")
        left.setWidget(self.documents)
        left.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, left)
        # A small window shrinks the side panels first; the article keeps room
        # for a few words a line, and the panels for their names.
        self.documents.setMinimumWidth(MIN_SIDE_PANEL_WIDTH)
        self.view.setMinimumWidth(MIN_ARTICLE_WIDTH)

        right_panel = QWidget()
        right_panel.setMinimumWidth(MIN_SIDE_PANEL_WIDTH)
        right = QVBoxLayout(right_panel)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(QLabel("Show:"))
        right.addWidget(self.mode_combo)
        right.addWidget(QLabel("Labels (press the key or click):"))
        right.addWidget(self.label_palette)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("rightSplitter")
        splitter.addWidget(self.span_list)
        # A long quote, many attributes or links scroll rather than being cut off.
        details_area = QScrollArea()
        details_area.setObjectName("spanDetailsArea")
        details_area.setWidgetResizable(True)
        details_area.setFrameShape(QFrame.Shape.NoFrame)
        details_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        details_area.setWidget(self.details)
        splitter.addWidget(details_area)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        right.addWidget(splitter, 1)
        dock = QDockWidget("Labels and spans", self)
        dock.setObjectName("spansDock")
        dock.setWidget(right_panel)
        dock.setFeatures(left.features())
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.unsaved)
        column.addWidget(self.view, 1)
        self.setCentralWidget(central)
        self.resize(1280, 800)
        self.resizeDocks([left, dock], [260, 340], Qt.Orientation.Horizontal)

    def _build_menus(self) -> None:
        """The menus and their keys, from their declarations (ui/actions.py)."""
        self.files = ProjectFiles(self)  # new project, import, export, the backup offer
        self.review = ReviewActions(self)  # the Comments dock, the review windows
        self.assist = AssistActions(self)  # suggestions, find, project search, annotate all
        self.entities = EntityActions(self)  # linking mentions, the Entities dock
        self.document_labels = DocumentLabelActions(self)  # the Document labels dock and keys
        self.details.entity_name = self.entities.entity_name
        built = build_actions(
            self,
            MAIN_WINDOW,
            provided={
                "edit.undo": lambda spec: self.undo_stack.createUndoAction(self, spec.text),
                "edit.redo": lambda spec: self.undo_stack.createRedoAction(self, spec.text),
                "review.comments": lambda _spec: self.review.dock.toggleViewAction(),
                "view.entities": lambda _spec: self.entities.dock.toggleViewAction(),
                "view.document_labels": lambda _spec: self.document_labels.dock.toggleViewAction(),
            },
        )
        self.action_by_id = built.actions
        self.recent_menu = built.menus["file.recent"]
        self.undo_action = built.actions["edit.undo"]
        self.redo_action = built.actions["edit.redo"]
        self.import_action = built.actions["file.import"]
        self.export_action = built.actions["file.export"]
        self.done_action = built.actions["document.done"]

    # Edit → Preferences and the Help menu (the modules are loaded when asked for).

    def edit_preferences(self) -> bool:
        from annotator.ui.preferences import edit_preferences

        return edit_preferences(self)

    def show_guide(self, section: str | None = None) -> None:
        from annotator.ui.help import show_guide

        show_guide(self, section)

    def show_tour(self) -> None:
        from annotator.ui.tour import start_tour

        start_tour(self, force=True)

    def show_about(self) -> None:
        from annotator.ui.help import show_about

        show_about(self)

    def _connect(self) -> None:
        self.view.spanRequested.connect(self.span_edits.add)
        self.view.relabelRequested.connect(self.span_edits.relabel)
        self.view.deleteRequested.connect(self.span_edits.delete)
        self.view.resizeRequested.connect(self.span_edits.resize)
        self.view.linkRequested.connect(self.span_edits.link)
        self.view.pieceAddRequested.connect(self.span_edits.add_piece)
        self.view.pieceRemoveRequested.connect(self.span_edits.remove_piece)
        self.view.spanSelected.connect(self._span_selected)
        self.view.statusMessage.connect(self._show_refusal)
        self.view.stylingFinished.connect(lambda: self.progress_label.setText(""))
        self.documents.documentActivated.connect(self.show_document)
        self.label_palette.labelChosen.connect(self._label_chosen)
        self.label_palette.stickyChanged.connect(self._sticky_changed)
        self.span_list.spanActivated.connect(self._jump_to_span)
        self.details.attributesEdited.connect(self.span_edits.set_attributes)
        self.details.noteEdited.connect(self.span_edits.set_note)
        self.details.relationRemoveRequested.connect(self.span_edits.unlink)
        self.details.relatedSpanActivated.connect(self._jump_to_span)
        self.mode_combo.modeChosen.connect(self.set_view_mode)

    # --- settings ----------------------------------------------------------

    def save_settings(self) -> None:
        settings.save_layout(self, self.view)

    def change_font_size(self, step: int) -> None:
        self.view.set_font_size(self.view.font().pointSize() + step)
        settings.app_settings().setValue("view/font_size", self.view.font().pointSize())

    def focus_pane(self, step: int) -> None:
        """F6 / Shift+F6: the keyboard focus to the next or previous pane (the
        article keeps Tab for its suggestions, the tables for their cells)."""
        containers: list[QWidget] = [self.documents.tree, self.view, self.span_list, self.details]
        panes = [
            (container, target)
            for container in (*containers, *self._extra_docks())
            if (target := _first_focusable(container)) is not None
        ]
        if not panes:
            return
        focused = QApplication.focusWidget()
        here = next(
            (
                i
                for i, (container, _) in enumerate(panes)
                if focused is not None and (container is focused or container.isAncestorOf(focused))
            ),
            None,
        )
        _, target = panes[0 if here is None else (here + step) % len(panes)]
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _extra_docks(self) -> list[QDockWidget]:
        """The panels beside the two of the window's own: entities, document labels, comments."""
        own = {"documentsDock", "spansDock"}
        return [
            dock
            for dock in self.findChildren(QDockWidget)
            if dock.objectName() not in own and dock.isVisible()
        ]

    def closeEvent(self, event: QCloseEvent) -> None:
        self.details.commit_pending()
        if not self.edits.may_close():
            event.ignore()
            return
        self.save_settings()
        self.close_project()
        super().closeEvent(event)

    # --- projects ----------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        """The open project, its database, edit store, history and kept edits
        (``annotator/app/workspace.py``); an empty one when no project is open."""
        return self.edits.workspace

    def open_project(self, directory: Path | str) -> bool:
        """Open a project folder; problems are shown to the user, and False returned."""
        refused = name_problem(self.user)
        if refused is not None:  # the store would refuse every edit; say so now
            self._show_problem(
                "Cannot open the project",
                f"{refused}. Choose your name in Edit → Preferences, or start with "
                "annotator open --user NAME.",
            )
            return False
        # The kept edits belong to the project open now.
        if not self.edits.may_close("Open another project"):
            return False
        try:
            workspace = Workspace.open(directory, kind="assist")
        except DatabaseNotOpened as problem:
            if not self.files.offer_backup(problem):
                return False
            try:
                workspace = Workspace.open(directory, kind="assist")
            except InputProblem as again:
                self._show_problem("Cannot open the backup either", str(again))
                return False
        except InputProblem as problem:
            self._show_problem("Cannot open the project", str(problem))
            return False
        self.close_project()
        self.edits.open(workspace)
        project = workspace.project
        assert project is not None
        self.live = LiveUpdates(workspace, self.user, self)
        self.live.arrived.connect(self._apply_remote)
        self.review.project_opened()
        self.assist.project_opened()
        role = role_in(workspace, self.user)
        self.is_reviewer = role.is_reviewer
        self.entities.project_opened()
        self.document_labels.project_opened()
        settings.remember_project(project.directory)
        self.setWindowTitle(window_title(f"{project.name} — Annotator ({self.user})"))
        self.view.set_schema(project.schema)
        self.view.snap = bool(project.setting("snap_to_words"))
        if settings.app_settings().value("view/font_size") is None:
            self.view.set_font_size(int(project.setting("font_size")))
        self.label_palette.set_schema(project.schema)
        self.mode_combo.set_mode(MODE_ALL if project.setting("show_all_annotators") else MODE_MINE)
        chosen, self._chosen_before_open = self._chosen_before_open, None
        self.refresh_documents()
        self._fill_mode_combo()
        first = self.documents.first_document(
            chosen if chosen is not None else settings.last_document(project.directory)
        )
        if first is not None:
            self.show_document(first)
        # A roles note is reported, not applied (docs/review.md, "Roles and assignments").
        if role.roles_note is not None:
            self.statusBar().showMessage(role.roles_note, 20000)
        if workspace.backup_problem is not None:  # opened all the same (docs/guarantees.md)
            self.statusBar().showMessage(workspace.backup_problem, 20000)
        return True

    def preview_project(self, directory: Path | str) -> bool:
        """Show the document the project opens on before the project is opened
        (cold start): read with the standard library while the database layer
        is not loaded yet (``Workspace.open`` loads it), read-only until
        :meth:`open_project` shows it as stored. False when nothing is shown."""
        from annotator.ui.display_text import max_document_chars

        if name_problem(self.user) is not None:
            return False
        limit = max_document_chars(settings.app_settings().value("view/max_document_mb"))
        preview = preview_document(
            directory, self.user, settings.last_document, lambda length: length <= limit
        )
        if preview is None:
            return self._preview_server_list(directory)
        project, shown = preview.project, preview.content
        self.view.set_schema(project.schema)
        if settings.app_settings().value("view/font_size") is None:
            self.view.set_font_size(int(project.setting("font_size")))
        self.view.editable = False
        self.view.user = self.user
        self.view.set_content(shown.text, shown.spans)
        self.span_model.set_spans(shown.spans)
        try:
            self.documents.set_source(FileListQuery(preview.database_file, self.user))
            self.documents.select(shown.document_id)
        except sqlite3.Error:  # the list waits for the project, which reports any problem
            pass
        return True

    def _preview_server_list(self, directory: Path | str) -> bool:
        """On a PostgreSQL project, the document list read with psycopg alone
        before the project opens (its article waits for the open)."""
        from annotator.app.document_list import preview_server_list

        query = preview_server_list(directory, self.user)
        if query is None:
            return False
        try:
            self.documents.set_source(query)
        except Exception:  # a preview only: the open reports any problem
            query.close()
            self.documents.source = None
            return False
        return True

    def close_project(self) -> None:
        self.details.commit_pending()
        if self.documents.source is not None and self.documents.source.preview:
            self.documents.source.close()  # a cold start's list, the project never opened
        self.review.close_all()
        self.assist.project_closed()
        self.entities.project_closed()
        self.document_labels.project_closed()
        if self.live is not None:
            self.live.stop()
            self.live = None
        self.edits.close()  # the workspace closes its database
        self.document_id = None

    def refresh_documents(self) -> None:
        from annotator.app.document_list import DocumentListQuery

        # My assignments first; read a page at a time when the project is large.
        self.documents.set_source(DocumentListQuery(self.workspace, self.user))

    def _fill_mode_combo(self) -> None:
        self.mode_combo.fill(self.user, self.is_reviewer, self.workspace.annotator_names())

    def set_view_mode(self, mode: str, annotator: str | None = None) -> None:
        """Whose spans to show: mine, all, or another annotator's (read-only)."""
        self.mode_combo.set_mode(mode, annotator)
        self._fill_mode_combo()
        if self.document_id is not None:
            self.show_document(self.document_id)

    @property
    def layer(self) -> str:
        """The layer edits go to: mine, or gold when a reviewer shows it."""
        return self.mode_combo.layer(self.user, self.is_reviewer)

    def visible_annotators(self) -> set[str] | None:
        return self.mode_combo.visible(self.user)

    # --- documents ---------------------------------------------------------

    def show_document(self, document_id: int, *, top_first: bool = True) -> None:
        """Show a document from its top: a long one's first screen is painted
        before the rest of its spans is read (docs/design.md, "The click").
        A caller that goes on to show another place in it passes
        ``top_first=False``: the whole document is read before any paint, so
        its top is not painted on the way there."""
        self.details.commit_pending()  # while its span is still the view's
        if self.workspace.db is None:
            if self.documents.source is not None and self.documents.source.preview:
                # Chosen in a cold start's list before the project is open: shown once it is.
                self._chosen_before_open = document_id
            return
        if self._too_long(document_id):
            return
        self.view.setPlaceholderText("")
        visible = self.visible_annotators()
        # The first screen's spans first: painted before the rest are read
        # (docs/design.md, "The click"). The spans' versions are the ones
        # edits will be made on (the workspace keeps them).
        # Nothing to paint early in a window not on screen (yet).
        screen_end = self.view.screen_end if top_first and self.isVisible() else len
        shown = self.workspace.read_document_start(document_id, visible, screen_end)
        self.document_id = document_id
        self.view.editable = self.mode_combo.editable(self.is_reviewer)
        self.view.user = self.layer
        self.view.set_content(shown.text, shown.spans, shown.relations)
        if not self.view.styling_done:
            self.progress_label.setText("Colouring spans…")
        # The first screen's spans are the table's first rows only in position order.
        whole = shown.complete or self.span_model.in_position_order
        self.span_model.set_spans(shown.spans if whole else [])
        self.details.show_span(None, None, [], {})
        self.documents.select(document_id)
        self._show_title()
        if not shown.complete:
            # On screen now; the rest is read before any input is handled.
            painted = self.view.paint_count
            QApplication.sendPostedEvents(self, QEvent.Type.UpdateRequest)  # one paint of all
            if self.view.paint_count == painted:  # the platform paints on a clock of its own
                self.span_list.viewport().repaint()
                self.view.viewport().repaint()
            self.firstScreenPainted.emit(document_id)
            first = shown.spans
            try:
                shown = self.workspace.read_document(document_id, visible)
            except Exception:
                self.view.editable = False  # its first screen stays, not to be edited
                raise
            self.view.set_spans(shown.spans, shown.relations, first_screen=first)
            self.span_model.set_spans(shown.spans)
        if self.project is not None:
            settings.remember_document(self.project.directory, document_id)
        self.assist.document_shown()
        self.document_labels.document_shown()
        self.review.follow()  # the comments: a comment written goes to this document
        self.view.setFocus()

    def _too_long(self, document_id: int) -> bool:
        """Refuse, with a message in the view, a document too long to show at
        once (``display_text.MAX_DOCUMENT_MB``); the window stays responsive."""
        from annotator.ui.display_text import max_document_chars

        length = self.documents.length(document_id)
        limit = max_document_chars(settings.app_settings().value("view/max_document_mb"))
        if length <= limit:
            return False
        self.document_id = document_id
        self.view.editable = False
        self.view.set_content("", [])
        message = (
            f"This document is too long to show: {length / 1e6:.1f} million characters, "
            f"the window shows up to {limit / 1e6:g} million (view/max_document_mb in "
            f"{settings.settings_path()}). Export it or split it to annotate it."
        )
        self.view.setPlaceholderText(message)
        self.statusBar().showMessage(message, 15000)
        self.span_model.set_spans([])
        self.details.show_span(None, None, [], {})
        self.documents.select(document_id)
        self._show_title()
        self.assist.document_shown()
        self.review.follow()
        return True

    def _show_title(self) -> None:
        """The title names the document and the project: "Doc — Project — Annotator (you)"."""
        if self.project is None:
            return
        parts = [self.project.name, f"Annotator ({self.user})"]
        title = self.documents.title(self.document_id) if self.document_id is not None else None
        if title is not None:
            parts.insert(0, title)
        self.setWindowTitle(window_title(" — ".join(parts)))

    def step_document(self, step: int) -> None:
        """The next (``step`` 1) or previous (-1) document of the list as filtered and sorted."""
        if self.document_id is None:
            return
        found = self.documents.neighbour(self.document_id, step)
        if found is not None:
            self.show_document(found)

    def mark_done_and_next(self) -> None:
        if self.document_id is None:
            return
        current = self.document_id
        done = self.run(commands.SetStatus(current, self.user, DocStatus.DONE))
        if not done and self.edits.refusal is not None:
            return  # refused: stay on the document (the status bar says why)
        found = self.documents.neighbour(current, 1, to_do=True)
        if found is not None and found != current:
            self.show_document(found)
            return
        self.statusBar().showMessage("Every document in the list is done", 5000)

    # --- edits -------------------------------------------------------------

    def run(self, command: Command) -> bool:
        """Do a command now (one transaction) and put it on the undo stack.

        True only when it is saved. If the database cannot take the write now
        (full disk, read-only folder, lost server), the edit is kept and
        retried; edits made meanwhile queue behind it. Any other refusal (a
        stale version, a permission, a constraint) is reported in the status
        bar, and the document is shown as stored (``ui/save_guard.py``).
        """
        return self.edits.run(command)

    def _show_stored(self) -> None:
        if self.document_id is not None and self.workspace.db is not None:
            self.show_document(self.document_id)

    def _show_refusal(self, text: str) -> None:
        """Why the article refused a key or a click, until the next edit is made."""
        self._refusal_shown = text
        self.statusBar().showMessage(text, 5000)

    def _apply_changes(self, changes: Changes) -> None:
        if self.statusBar().currentMessage() == self._refusal_shown:
            self.statusBar().clearMessage()  # an edit made since: no longer the news
        self.entities.changes_applied(changes)
        self.review.changes_applied(changes.document_ids)  # the compare windows
        if self.document_id is None:
            return
        documents = changes.document_ids
        if documents and self.document_id not in documents:
            if self.edits.saving_kept:  # saved at last; the analyst has moved on
                self.documents.count_changes(changes, self.user)
                return
            # Undo of an edit on another document: show that document.
            self.show_document(min(documents))
            self.documents.count_changes(changes, self.user)
            return
        self._show_changes(changes)
        self.documents.count_changes(changes, self.user)
        if changes.added_spans and len(changes.added_spans) == 1:
            (span,) = changes.added_spans.values()
            if span.id in self.view.spans:
                self.view.select_span(span.id)
        self.refresh_details()
        self.span_list.show_span(self.view.selected_span_id)
        self.assist.changes_applied()
        self.document_labels.changes_applied(changes)
        self.review.follow()  # the comments' title names the span as it is now

    def _apply_remote(self, feed: OthersEdits) -> None:
        """Show others' new edits in the open document, where the view shows
        them, and new documents in the list."""
        if feed.documents_added:
            self.documents.refresh()
            added = feed.documents_added
            self.statusBar().showMessage(f"{added:,} new document{'s' * (added > 1)}", 5000)
        if not feed.editors:
            return
        doc = self.document_id
        changes = feed.changes
        if doc is not None and doc in changes.document_ids and self.view.text:
            here = changes.for_document(doc)
            self.workspace.saw([*here.added_spans.values(), *here.updated_spans.values()])
            self._show_changes(here)
            self.refresh_details()
        self.review.changes_applied(changes.document_ids)
        self.entities.changes_applied(changes)
        self.document_labels.changes_applied(changes)
        who = ", ".join(sorted(feed.editors))
        self.statusBar().showMessage(f"New edits by {who}", 5000)

    def _show_changes(self, changes: Changes) -> None:
        """Restyle what changed in the open document, and its span list."""
        visible = self.visible_annotators()
        self.view.apply_changes(changes, visible)
        for span_id in changes.removed_spans:
            self.span_model.remove(span_id)
        for span in (*changes.added_spans.values(), *changes.updated_spans.values()):
            self.span_model.remove(span.id)
            if visible is None or span.annotator in visible:
                self.span_model.insert(span)

    def tag_all_matches(self) -> int:
        """Tag every other whole-word occurrence of the selected span's text, as one edit
        (the one "annotate all matches" path: :meth:`AssistActions.tag_all_matches`)."""
        return self.assist.tag_all_matches()

    def choose_relation_type(self, types: list[RelationType], target: SpanData) -> str | None:
        """Ask which relation to make when the schema allows several (None: cancelled).

        Tests replace it on the instance to answer without a popup menu.
        """
        menu = QMenu(self)
        for relation_type in types:
            menu.addAction(menu_text(relation_type.name)).setData(relation_type.name)
        where = self.view.viewport().mapToGlobal(self.view.char_rect(target.start).center())
        picked = menu.exec(where)
        menu.deleteLater()
        return str(picked.data()) if picked is not None else None

    def _jump_to_span(self, span_id: int) -> None:
        # Back to the article, so the label keys, Delete and L act on the span.
        self.view.select_span(span_id, scroll=True)
        self.view.setFocus()

    def _label_chosen(self, label: str) -> None:
        self.view.apply_label(label)
        self.view.setFocus()

    def _sticky_changed(self, label: object) -> None:
        self.view.sticky_label = label if isinstance(label, str) else None
        if self.view.sticky_label:
            self.statusBar().showMessage(
                f"Sticky label: every selection becomes a {self.view.sticky_label}", 5000
            )

    def _span_selected(self, span_id: int) -> None:
        self.refresh_details()
        self.review.follow()
        self.span_list.show_span(span_id if span_id >= 0 else None)
        self.entities.span_selected(self.view.selected_span)

    def refresh_details(self) -> None:
        """Show the selected span in the details panel (read-only off the layer edited)."""
        span = self.view.selected_span
        if span is None or self.project is None:
            self.details.show_span(None, None, [], {})
            return
        relations = [
            r for r in self.view.relations.values() if span.id in (r.source_id, r.target_id)
        ]
        read_only = not self.view.editable or span.annotator != self.layer
        self.details.show_span(
            span,
            self.project.schema.label(span.label),
            relations,
            self.view.spans,
            read_only=read_only,
        )

    # --- file menu ---------------------------------------------------------

    def _open_project_dialog(self) -> None:
        directory = QFileDialog.getExistingDirectory(self, "Open a project folder")
        if directory:
            self.open_project(directory)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in settings.recent_projects():
            action = self.recent_menu.addAction(menu_text(path))
            action.triggered.connect(lambda _=False, p=path: self.open_project(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def import_files(self, paths: list[Path]) -> int:
        """Import files with a progress dialog; returns the number of documents added."""
        return self.files.import_files(paths)

    def export_dataset(
        self, fmt: str, target: Path, layer: str = "mine", done_only: bool = False
    ) -> bool:
        """Write a dataset, showing progress; True when written."""
        return self.files.export_dataset(fmt, target, layer, done_only)


def show_later(window: MainWindow, directory: Path | None) -> None:
    """Open the project once the window is on screen (cold start stays short)."""
    if directory is not None:
        QTimer.singleShot(0, lambda: window.open_project(directory))


def _first_focusable(container: QWidget) -> QWidget | None:
    """``container`` itself or the first widget in it that Tab would stop at,
    among those shown and enabled."""
    for widget in (container, *container.findChildren(QWidget)):
        if (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.isVisible()
            and widget.isEnabled()
        ):
            return widget
    return None
