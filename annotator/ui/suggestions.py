"""Suggestions in the article view, and the window's assisted-annotation actions.

A suggestion is drawn over the text, never as a span: a light hatching and a
dashed underline in its label's colour (a span is a solid background), and the
current one (Tab, Shift+Tab) inside a dotted frame. Spans never look like
that, so the two cannot be mixed up. Only the suggestions of the paragraphs
being painted are drawn, found by binary search, so a long article with
thousands of suggestions paints as fast as one with a few.

Accepting (a click, Enter on the current one, Document → Accept all
suggestions), rejecting (Backspace) and "annotate all matches" are core
commands that the window's :class:`annotator.app.assist.Assistant` builds
over the window's workspace, run by :meth:`MainWindow.run` (the workspace's
``run``): one transaction each and one step of the one history. The
workspace's edit store runs rejections too, so they go through the same store
and transactions as every other edit.

Suggestions are shown only where the view is editable: never over another
annotator's layer.

The module is long because it is one feature's Qt side: the overlay that
draws and steps through suggestions, and the window's actions around it
(suggestions, find, project search, annotate all), which share the overlay.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import replace
from itertools import accumulate
from operator import attrgetter
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QKeyEvent,
    QPainter,
    QPen,
    QTextBlock,
    QTextCursor,
)
from PySide6.QtWidgets import QMenu

from annotator.core.document import is_word_char
from annotator.core.find import FindOptions
from annotator.core.model import SpanData
from annotator.ui.article_view import ArticleView
from annotator.ui.plain import menu_text
from annotator.ui.window_base import AnnotationWindow

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from annotator.app.assist import Assistant
    from annotator.app.search import SearchResults
    from annotator.core.suggest.types import Suggestion
    from annotator.ui.find_bar import FindBar
    from annotator.ui.search_dialog import AnnotateAllDialog, SearchDialog

HATCH_ALPHA = 150
UNDERLINE_DARKER = 140
CURRENT_DARKER = 220

_START = attrgetter("start")
_END = attrgetter("end")
_PLAIN_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def search_phrase(query: str) -> tuple[str, FindOptions]:
    """A project search's query as one phrase to annotate: its words in order, in
    any case, whole words; ``prefix*`` a word that starts so (``Blink*``).

    Without a prefix it is plain text, so that the full-text index narrows the
    documents to read (``annotator.app.assist.Assistant.plan_annotate_all``).
    """
    words = query.replace("“", " ").replace("”", " ").replace('"', " ").split()
    if not any(w.endswith("*") for w in words):
        return " ".join(words), FindOptions(whole_word=True)
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return r"\s+".join(parts), FindOptions(regex=True, whole_word=True)


def word_pattern(needle: str) -> str:
    """A regular expression for ``needle`` as whole words: no letter or digit may
    go on where the needle starts or ends with one ("said" is not in "unsaid";
    "(AP)" is found in "x(AP)")."""
    body = re.escape(needle)
    if needle and is_word_char(needle[0]):
        body = r"(?<!\w)" + body
    if needle and is_word_char(needle[-1]):
        body += r"(?!\w)"
    return body


def describe(suggestion: Suggestion) -> str:
    if suggestion.link is not None:
        return f"Suggested: link this {suggestion.label} to the entity {suggestion.link.name}"
    where = "" if suggestion.source == "quote" else f" ({suggestion.source})"
    text = f"Suggested {suggestion.label}{where}"
    if suggestion.speaker is not None:
        text += f", said by {suggestion.speaker.text}"
    return text


class SuggestionOverlay(QObject):
    """The suggestions of the open document, drawn on an :class:`ArticleView`.

    It is one of the view's overlays: it paints after the spans and gets the
    view's clicks and keys first. A click on a suggestion (where there is no
    span) accepts it; Tab and Shift+Tab make the next or previous one current,
    Enter accepts the current one and Backspace (or Delete) rejects it.
    """

    acceptRequested = Signal(object, bool)  # list[Suggestion], by keyboard
    rejectRequested = Signal(object)  # list[Suggestion]
    currentChanged = Signal()

    def __init__(self, view: ArticleView) -> None:
        super().__init__(view)
        self.view = view
        self.enabled = True
        """View → Show suggestions."""
        self._items: list[Suggestion] = []
        self._starts: list[int] = []
        self._max_end: list[int] = []
        self.current: int | None = None
        """Index into :attr:`suggestions` of the current one (Tab), or None."""
        view.overlays.append(self)
        view.spanSelected.connect(self._span_selected)

    # --- content -------------------------------------------------------------

    @property
    def suggestions(self) -> list[Suggestion]:
        """Every suggestion of the document, in text order (shown or not)."""
        return self._items

    @property
    def active(self) -> bool:
        """Shown and answering: switched on, and the view is the user's own layer."""
        return self.enabled and self.view.editable and bool(self._items)

    @property
    def current_suggestion(self) -> Suggestion | None:
        if self.current is None or not self.active:
            return None
        return self._items[self.current]

    def set_suggestions(self, items: Sequence[Suggestion]) -> None:
        """Show these; the current one stays where it was (or moves on to the next)."""
        was = self.current_suggestion
        self._items = sorted(items, key=lambda s: (s.start, s.end))
        self._starts = list(map(_START, self._items))
        self._max_end = list(accumulate(map(_END, self._items), max))
        self.current = None
        if was is not None and self._items:
            self.set_current_at(was.start)
        self.view.viewport().update()

    def clear(self) -> None:
        self.set_suggestions([])

    def set_current_at(self, offset: int) -> None:
        """Make the first suggestion at or after ``offset`` current (wrapping round)."""
        if not self._items:
            self._set_current(None)
            return
        index = bisect_left(self._starts, offset)
        self._set_current(index if index < len(self._items) else 0)

    def _set_current(self, index: int | None) -> None:
        if index != self.current:
            self.current = index
            self.currentChanged.emit()
        self.view.viewport().update()

    def _span_selected(self, span_id: int) -> None:
        if span_id >= 0:
            self._set_current(None)  # keys now act on the span

    def at(self, offset: int | None) -> list[Suggestion]:
        """Suggestions covering ``offset``, innermost first."""
        if offset is None:
            return []
        found = self._overlapping(offset, offset + 1)
        found.sort(key=lambda s: (s.end - s.start, s.start))
        return found

    def _overlapping(self, lo: int, hi: int) -> list[Suggestion]:
        found = []
        j = bisect_left(self._starts, hi) - 1
        while j >= 0 and self._max_end[j] > lo:
            s = self._items[j]
            if s.end > lo:
                found.append(s)
            j -= 1
        found.reverse()
        return found

    # --- moving and acting -----------------------------------------------------

    def step(self, direction: int) -> bool:
        """Tab (1) or Shift+Tab (-1): the next or previous suggestion becomes current."""
        if not self.active:
            return False
        count = len(self._items)
        if self.current is None:
            where = self.view._umap.to_codepoint(self.view.textCursor().position())
            index = bisect_left(self._starts, where)
            if direction < 0:
                index -= 1
            index %= count
        else:
            index = (self.current + direction) % count
        view = self.view
        view.select_span(None)
        self._set_current(index)
        s = self._items[index]
        cursor = QTextCursor(view.document())
        cursor.setPosition(view._umap.to_utf16(s.start))
        view.setTextCursor(cursor)
        view.ensureCursorVisible()
        view.statusMessage.emit(
            f"{describe(s)} ({index + 1} of {count}): Enter accepts, Backspace rejects"
        )
        return True

    def accept_current(self) -> bool:
        s = self.current_suggestion
        if s is None:
            return False
        self.acceptRequested.emit([s], True)
        return True

    def reject_current(self) -> bool:
        s = self.current_suggestion
        if s is None:
            return False
        self.rejectRequested.emit([s])
        return True

    # --- the view's overlay protocol ---------------------------------------------

    def click(self, offset: int | None, under: list[SpanData]) -> bool:
        if not self.active or under:
            return False  # a span there: the click selects it
        found = self.at(offset)
        if not found:
            return False
        self._set_current(None)
        self.acceptRequested.emit([found[0]], False)
        return True

    def key_press(self, event: QKeyEvent) -> bool:
        if not self.active or event.modifiers() & _PLAIN_MODIFIERS:
            return False
        key = event.key()
        if key == Qt.Key.Key_Backtab or (
            key == Qt.Key.Key_Tab and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            return self.step(-1)
        if key == Qt.Key.Key_Tab:
            return self.step(1)
        if self.current is None:
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return self.accept_current()
        if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) and self.view.selected_span is None:
            return self.reject_current()
        if key == Qt.Key.Key_Escape:
            self._set_current(None)
        return False

    def tooltip(self, offset: int | None) -> str:
        if not self.active:
            return ""
        lines = [describe(s) for s in self.at(offset)]
        if lines:
            lines.append("Click or Enter accepts, Backspace rejects")
        return "\n".join(lines)

    def clickable(self, offset: int | None) -> bool:
        return self.active and bool(self.at(offset))

    def add_menu_actions(self, menu: QMenu, offset: int | None) -> None:
        """Accept and Reject for the suggestions under a right click."""
        if not self.active:
            return
        for s in self.at(offset):
            what = f"link to {s.link.name}" if s.link is not None else s.label
            accept = menu.addAction(menu_text(f"Accept suggested {what}"))
            accept.triggered.connect(lambda _=False, s=s: self.acceptRequested.emit([s], False))
            reject = menu.addAction(menu_text(f"Reject suggested {what}"))
            reject.triggered.connect(lambda _=False, s=s: self.rejectRequested.emit([s]))
            menu.addSeparator()

    def paint_block(self, painter: QPainter, block: QTextBlock, top: float) -> None:
        if not self.active:
            return
        view = self.view
        lo, hi = view._blocks.bounds(block.blockNumber())
        found = self._overlapping(lo, max(hi, lo + 1))
        if not found:
            return
        current = self.current_suggestion
        base = block.position()
        to_u16 = view._umap.to_utf16
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for s in found:
            color = view.label_color(s.label)
            start = max(0, to_u16(s.start) - base)
            end = to_u16(s.end) - base
            hatch = QColor(color.darker(UNDERLINE_DARKER))
            hatch.setAlpha(HATCH_ALPHA)
            underline = QPen(color.darker(UNDERLINE_DARKER))
            underline.setWidthF(2.0)
            underline.setStyle(Qt.PenStyle.DashLine)
            is_current = s == current
            for line, x1, x2, line_top in view._line_pieces(block, top, start, end):
                rect = QRectF(x1, line_top, max(1.0, x2 - x1), line.height())
                painter.fillRect(rect, QBrush(hatch, Qt.BrushStyle.BDiagPattern))
                painter.setPen(underline)
                y = rect.bottom() - 1
                painter.drawLine(int(rect.left()), int(y), int(rect.right()), int(y))
                if is_current:
                    frame = QPen(color.darker(CURRENT_DARKER))
                    frame.setWidthF(2.0)
                    frame.setStyle(Qt.PenStyle.DotLine)
                    painter.setPen(frame)
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRect(rect.adjusted(-2, 0, 2, -1))
        painter.restore()


BACKGROUND_FROM_CHARS = 150_000
"""Documents at least this long get their suggestions in a worker process
(``annotator.app.assist.compute_in_worker``): on a 1 MB article with thousands
of known names that takes seconds, and the window must not freeze for it
after every edit.
Shorter ones take a few milliseconds, right here."""


def _worker_pool() -> ProcessPoolExecutor:
    """The suggestions' worker process (:mod:`annotator.ui.worker`)."""
    from annotator.ui.worker import SUGGESTIONS, worker_pool

    return worker_pool(SUGGESTIONS)


class AssistActions(QObject):
    """The window's suggestions, find bar, project search and "annotate all".

    The window calls :meth:`project_opened`, :meth:`project_closed`,
    :meth:`document_shown` and :meth:`changes_applied`; everything else is here.
    """

    _computed = Signal(int, int, object)
    """(generation, document id, suggestions or the exception), from the worker thread."""

    def __init__(self, window: AnnotationWindow) -> None:
        super().__init__(window)
        self.window = window
        self._generation = 0
        self._working = False
        self._computed.connect(self._arrived, Qt.ConnectionType.QueuedConnection)
        self.assistant: Assistant | None = None
        self.overlay = SuggestionOverlay(window.view)
        self.overlay.acceptRequested.connect(self.accept)
        self.overlay.rejectRequested.connect(self.reject)
        self._find_bar: FindBar | None = None
        self._search: SearchDialog | None = None
        self.annotate_dialog: AnnotateAllDialog | None = None

    # Its actions are declared in ui/actions.py, made by the window.

    @property
    def show_action(self) -> QAction:
        return self.window.action_by_id["view.suggestions"]

    @property
    def accept_all_action(self) -> QAction:
        return self.window.action_by_id["document.accept_all"]

    def find_previous(self) -> None:
        self.find_bar.find_next(backward=True)

    # --- the window's hooks ------------------------------------------------------

    def project_opened(self) -> None:
        """Make the assistant of the open project; suggestions are on if it has sources."""
        from annotator.app.assist import Assistant
        from annotator.core.errors import InputProblem

        window = self.window
        if window.project is None or window.db is None or window.store is None:
            return
        self.assistant = None
        try:
            # Over the window's workspace: its store, its one history.
            assistant = Assistant(window.workspace, window.user)
        except (InputProblem, OSError) as problem:
            window.statusBar().showMessage(f"No suggestions: {problem}", 10000)
        else:
            self.assistant = assistant
            sources = assistant.has_sources
            self.show_action.blockSignals(True)
            self.show_action.setChecked(sources)
            self.show_action.blockSignals(False)
            self.overlay.enabled = sources
        self.show_action.setEnabled(self.assistant is not None)
        self.accept_all_action.setEnabled(self.assistant is not None)

    def project_closed(self) -> None:
        self.assistant = None
        self.overlay.clear()
        if self._search is not None:
            self._search.close()
        if self._find_bar is not None:
            self._find_bar.close_bar()

    def document_shown(self) -> None:
        self.overlay.clear()  # no current suggestion carried over from another document
        self.refresh()
        if self._find_bar is not None and self._find_bar.isVisible():
            self._find_bar.update_matches(select=False)

    def changes_applied(self) -> None:
        self.refresh()

    # --- suggestions ---------------------------------------------------------------

    def refresh(self) -> None:
        """Read the open document's suggestions again (after any edit: accepted,
        rejected, or a new name in the dictionary)."""
        window = self.window
        if (
            self.assistant is None
            or window.document_id is None
            or not self.overlay.enabled
            or not window.view.editable
        ):
            self.overlay.clear()
            return
        self._generation += 1
        if len(window.view.text) < BACKGROUND_FROM_CHARS:
            self._show(window.document_id, self._compute(self.assistant, window.document_id))
        elif not self._working:  # else the running one starts the newest when done
            self._start(self._generation, window.document_id)

    @staticmethod
    def _compute(assistant: Assistant, document_id: int) -> list[Suggestion] | Exception:
        try:
            return assistant.suggestions(document_id)
        except Exception as exc:  # the database went away: no suggestions, no crash
            return exc

    def _start(self, generation: int, document_id: int) -> None:
        """Work the suggestions out in the worker process; the answer comes back
        through a queued signal (the future's callback runs in another thread)."""
        from concurrent.futures import Future

        from annotator.app.assist import compute_in_worker

        project = self.window.project
        if project is None:
            return
        self._working = True
        future = _worker_pool().submit(
            compute_in_worker, str(project.directory), self.window.user, document_id
        )

        def done(finished: Future[list[Suggestion]]) -> None:
            error = finished.exception()
            found: object = error if error is not None else finished.result()
            self._computed.emit(generation, document_id, found)

        future.add_done_callback(done)

    def _arrived(self, generation: int, document_id: int, found: object) -> None:
        self._working = False
        if generation != self._generation:  # edits came meanwhile: compute again
            self.refresh()
            return
        if document_id == self.window.document_id and self.overlay.enabled:
            self._show(document_id, found)

    @property
    def busy(self) -> bool:
        """Suggestions are being worked out in the background."""
        return self._working

    def _show(self, document_id: int, found: object) -> None:
        if isinstance(found, Exception):
            self.overlay.clear()
            self.window.statusBar().showMessage(f"No suggestions: {found}", 10000)
            return
        self.overlay.set_suggestions(found)  # type: ignore[arg-type]
        problems = getattr(found, "problems", None)
        if problems:  # a regex rule was stopped (too slow): say which
            self.window.statusBar().showMessage(problems[0], 15000)

    def set_shown(self, shown: bool) -> None:
        self.overlay.enabled = shown
        self.refresh()
        count = len(self.overlay.suggestions)
        self.window.statusBar().showMessage(
            f"Showing {count} suggestions" if shown else "Suggestions hidden", 5000
        )

    def _step(self, direction: int) -> None:
        if self.overlay.step(direction):
            self.window.view.setFocus()

    def _editable(self) -> bool:
        if self.assistant is None or self.window.document_id is None:
            return False
        if not self.window.view.editable:
            self.window.statusBar().showMessage(
                "Read-only: these are another annotator's spans", 5000
            )
            return False
        return True

    def accept(self, items: list[Suggestion], by_keyboard: bool = False) -> bool:
        """Accept suggestions as the user's spans (one undoable step)."""
        if not items or not self._editable():
            return False
        assert self.assistant is not None and self.window.document_id is not None
        command = self.assistant.accept_command(self.window.document_id, items)
        done = self.window.run(command)
        if done and by_keyboard:
            # On to the next one, and keys act on it rather than on the new span.
            self.window.view.select_span(None)
            self.overlay.set_current_at(items[0].start)
        return done

    def reject(self, items: list[Suggestion]) -> bool:
        """Turn suggestions down for this document (one undoable step)."""
        if not items or not self._editable():
            return False
        assert self.assistant is not None and self.window.document_id is not None
        command = self.assistant.reject_command(self.window.document_id, items)
        return self.window.run(command)

    def accept_all(self) -> bool:
        """Document → Accept all suggestions: every one of this document, one step."""
        items = list(self.overlay.suggestions) if self.overlay.enabled else []
        if not items:
            self.window.statusBar().showMessage("No suggestions in this document", 5000)
            return False
        return self.accept(items)

    # --- find, search, annotate all ------------------------------------------------

    @property
    def find_bar(self) -> FindBar:
        if self._find_bar is None:
            from annotator.ui.find_bar import FindBar

            bar = FindBar(self.window.view)
            bar.annotateRequested.connect(self.annotate_from_find_bar)
            central = self.window.centralWidget()
            layout = central.layout() if central is not None else None
            if layout is not None:
                layout.addWidget(bar)
            self._find_bar = bar
        return self._find_bar

    def open_find_bar(self) -> FindBar:
        bar = self.find_bar
        bar.open_bar()
        return bar

    def open_search(self) -> SearchDialog | None:
        from annotator.ui.search_dialog import SearchDialog

        if self.window.db is None:
            return None
        if self._search is None:
            self._search = SearchDialog(self._run_search, self.window)
            self._search.resultActivated.connect(self.show_match)
            self._search.annotateRequested.connect(self.annotate_from_search)
        self._search.show()
        self._search.raise_()
        self._search.activateWindow()
        self._search.field.setFocus()
        self._search.field.selectAll()
        return self._search

    def _run_search(self, query: str) -> SearchResults:
        from annotator.app.search import search

        return search(self.window.workspace, query, limit=200)

    def show_match(self, document_id: int, start: int, end: int) -> None:
        """Open a document and select a match in it."""
        window = self.window
        if window.document_id != document_id:
            window.show_document(document_id, top_first=False)
        if window.document_id != document_id:
            return
        view = window.view
        view.select_span(None)
        view.set_text_selection(start, end, exact=True)
        view.centerCursor()
        window.activateWindow()
        view.setFocus()

    def annotate_from_find_bar(self) -> AnnotateAllDialog | None:
        bar = self.find_bar
        query = bar.field.text()
        if not query:
            bar.open_bar()
            self.window.statusBar().showMessage("Type what to annotate in the find bar", 5000)
            return None
        return self.annotate_all(query, bar.options(), project=False)

    def annotate_from_search(self, query: str) -> AnnotateAllDialog | None:
        phrase, options = search_phrase(query)
        return self.annotate_all(phrase, options, project=True, shown=" ".join(query.split()))

    def annotate_all(
        self, query: str, options: FindOptions, *, project: bool, shown: str | None = None
    ) -> AnnotateAllDialog | None:
        """Ask for a label, show how many spans it adds, then add them as one step.

        ``shown`` is the query as the user typed it (when ``query`` is a pattern made of it).
        """
        from annotator.core.find import FindError
        from annotator.ui.search_dialog import AnnotateAllDialog

        window = self.window
        if self.assistant is None or window.project is None or not query:
            return None
        if not window.view.editable:
            window.statusBar().showMessage("Read-only: these are another annotator's spans", 5000)
            return None
        assistant = self.assistant
        document_id = window.document_id
        layer = window.view.user or window.user  # gold, when a reviewer edits it

        def plan(label: str, whole_project: bool) -> object:
            try:
                return assistant.plan_annotate_all(
                    query,
                    label,
                    options,
                    document_id=None if whole_project else document_id,
                    annotator=layer,
                )
            except FindError as exc:
                return exc

        labels = [lab.name for lab in window.project.schema.labels]
        selected = window.view.selected_span
        default = window.view.sticky_label or (selected.label if selected else None)
        shown = shown or query
        dialog = AnnotateAllDialog(
            shown,
            labels,
            plan,
            default_label=default,
            whole_project=project or document_id is None,
            can_choose_document=document_id is not None,
            parent=window,
        )
        self.annotate_dialog = dialog

        def run() -> None:
            chosen = dialog.plan
            if chosen is not None and chosen.count:
                command = replace(chosen, query=shown).command(editor=window.user)
                if window.run(command):  # else the status bar says why it was not saved
                    window.statusBar().showMessage(
                        f"Added {chosen.count} {chosen.label} spans", 5000
                    )
            dialog.deleteLater()
            self.annotate_dialog = None

        dialog.accepted.connect(run)
        dialog.rejected.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def tag_all_matches(self) -> int:
        """Edit → Tag all matches of the span: every other occurrence of the selected
        span's text in this document, as whole words, in its case; one undoable step.

        The same path as the find bar's and the project search's "annotate all":
        :func:`annotator.core.assist_commands.plan_matches` plans (the view's text
        and spans: no database read), the plan's command adds.
        """
        from annotator.core import assist_commands

        window, view = self.window, self.window.view
        span = view.selected_span
        if span is None or window.document_id is None:
            window.statusBar().showMessage("Select a span first", 5000)
            return 0
        if not view.editable:
            window.statusBar().showMessage("Read-only: these are another annotator's spans", 5000)
            return 0
        needle, layer = span.text, view.user or window.user
        taken = {
            (s.start, s.end)
            for s in view.spans.values()
            if s.annotator == layer and s.label == span.label
        }
        plan = assist_commands.plan_matches(
            word_pattern(needle),
            span.label,
            layer,
            [(window.document_id, view.text, taken)],
            FindOptions(regex=True, case_sensitive=True),
        )
        if not plan.count:
            window.statusBar().showMessage(f"No other untagged “{needle}” in this document", 5000)
            return 0
        noun = "match" if plan.count == 1 else "matches"
        text = f"Tag {plan.count} {noun} as {span.label}"
        window.run(plan.command(editor=window.user, text=text))
        return plan.count
