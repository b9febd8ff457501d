"""Find in the document: a bar under the article (Ctrl+F).

Enter and F3 go to the next match, Shift+Enter and Shift+F3 to the previous
one, Esc closes the bar. The current match is selected in the article (so a
label key tags it once the article has the focus) and the count says where it
is: "3 of 12". Matches are highlighted with extra selections for the visible
paragraphs only (docs/design.md, "Rendering": extra selections are for small sets),
redone when
the article scrolls.
"""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextEdit,
    QToolButton,
    QWidget,
)

from annotator.core.find import FindError, FindOptions, find_all, next_match
from annotator.ui.article_view import ArticleView
from annotator.ui.plain import literal, plain_label

MATCH_COLOR = QColor("#fff176")
CURRENT_COLOR = QColor("#ff9800")


class FindBar(QWidget):
    annotateRequested = Signal()

    def __init__(self, view: ArticleView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.view = view
        self.matches: list[tuple[int, int]] = []
        self.index = -1
        self._visited = False
        """Whether the match at :attr:`index` was gone to (selected) yet."""

        self.field = QLineEdit()
        self.field.setObjectName("findField")
        self.field.setPlaceholderText("Find in the document")
        self.field.setClearButtonEnabled(True)
        self.count_label = plain_label()
        self.count_label.setObjectName("findCount")
        self.count_label.setMinimumWidth(70)
        self.previous_button = QToolButton()
        self.previous_button.setObjectName("findPrevious")
        self.previous_button.setText("▲")
        self.previous_button.setToolTip("Previous match (Shift+Enter, Shift+F3)")
        self.next_button = QToolButton()
        self.next_button.setObjectName("findNext")
        self.next_button.setText("▼")
        self.next_button.setToolTip("Next match (Enter, F3)")
        # Short names: the bar must not widen the window's middle column.
        self.case_box = QCheckBox("Case")
        self.case_box.setObjectName("findCase")
        self.case_box.setToolTip("Match case")
        self.word_box = QCheckBox("Words")
        self.word_box.setObjectName("findWholeWord")
        self.word_box.setToolTip("Whole words only")
        self.regex_box = QCheckBox("Regex")
        self.regex_box.setObjectName("findRegex")
        self.regex_box.setToolTip("A regular expression (Python syntax)")
        self.field.setMinimumWidth(100)
        self.annotate_button = QPushButton("Annotate all…")
        self.annotate_button.setObjectName("findAnnotateAll")
        self.annotate_button.setToolTip("Give every match a span of one label (one undoable step)")
        self.close_button = QToolButton()
        self.close_button.setObjectName("findClose")
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close (Esc)")

        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 6, 3)
        row.addWidget(QLabel("Find:"))
        row.addWidget(self.field, 1)
        row.addWidget(self.count_label)
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        row.addWidget(self.case_box)
        row.addWidget(self.word_box)
        row.addWidget(self.regex_box)
        row.addWidget(self.annotate_button)
        row.addWidget(self.close_button)
        self.hide()

        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.setInterval(0)
        self._highlight_timer.timeout.connect(self.highlight_visible)
        self.field.textChanged.connect(lambda _: self.update_matches())
        self.field.installEventFilter(self)
        for box in (self.case_box, self.word_box, self.regex_box):
            box.toggled.connect(lambda _: self.update_matches())
        self.previous_button.clicked.connect(lambda: self.find_next(backward=True))
        self.next_button.clicked.connect(lambda: self.find_next())
        self.annotate_button.clicked.connect(self.annotateRequested)
        self.close_button.clicked.connect(self.close_bar)
        view.verticalScrollBar().valueChanged.connect(lambda _: self._highlight_timer.start())

    # --- opening and closing ---------------------------------------------------

    def open_bar(self) -> None:
        """Show the bar with the focus in the field (the article's selection, if short)."""
        selection = self.view.text_selection()
        if selection is not None:
            text = self.view.text[selection[0] : selection[1]]
            if text and "\n" not in text and len(text) <= 100:
                self.field.setText(text)
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        self.update_matches(select=False)

    def close_bar(self) -> None:
        self.hide()
        self.matches = []
        self.index = -1
        self.view.setExtraSelections([])
        self.view.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.find_next(backward=shift)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(watched, event)

    # --- finding -----------------------------------------------------------------

    def options(self) -> FindOptions:
        return FindOptions(
            regex=self.regex_box.isChecked(),
            case_sensitive=self.case_box.isChecked(),
            whole_word=self.word_box.isChecked(),
        )

    def update_matches(self, *, select: bool = True) -> None:
        """Find again (the query, an option or the document changed)."""
        query = self.field.text()
        self.matches = []
        self.index = -1
        error: FindError | None = None
        if query:
            try:
                self.matches = find_all(self.view.text, query, self.options())
            except FindError as exc:
                error = exc
        if self.matches:
            cursor = self.view.textCursor()
            where = self.view._umap.to_codepoint(cursor.selectionStart())
            self.index = next_match(self.matches, where)
            self._visited = select
            if select:
                self._select_current()
        self._show_count(error)
        self.highlight_visible()

    def find_next(self, *, backward: bool = False) -> None:
        """The next (or previous) match, wrapping round; opens the bar if it is closed."""
        if not self.isVisible():
            self.open_bar()
        if not self.matches:
            self.update_matches(select=False)
            if not self.matches:
                return
        if self.index < 0:
            self.index = 0 if not backward else len(self.matches) - 1
        elif not self._visited:
            # The match after the cursor is the next one; the one before it, the previous.
            self.index = (self.index - 1) % len(self.matches) if backward else self.index
        else:
            self.index = (self.index + (-1 if backward else 1)) % len(self.matches)
        self._visited = True
        self._select_current()
        self._show_count(None)
        self.highlight_visible()

    @property
    def current_match(self) -> tuple[int, int] | None:
        return self.matches[self.index] if 0 <= self.index < len(self.matches) else None

    def _select_current(self) -> None:
        match = self.current_match
        if match is None:
            return
        view = self.view
        view.select_span(None)
        view.set_text_selection(*match, exact=True)
        view.ensureCursorVisible()

    def _show_count(self, error: FindError | None) -> None:
        if error is not None:
            self.count_label.setText(error.summary)
            self.count_label.setToolTip(literal(str(error)))
        elif not self.field.text():
            self.count_label.setText("")
        elif not self.matches:
            self.count_label.setText("no matches")
        elif self.index >= 0 and self._visited:
            self.count_label.setText(f"{self.index + 1} of {len(self.matches)}")
        else:
            self.count_label.setText(f"{len(self.matches)} matches")
        self.annotate_button.setEnabled(bool(self.matches))

    # --- highlighting --------------------------------------------------------------

    def visible_range(self) -> tuple[int, int]:
        """Code points of the text on screen (whole paragraphs)."""
        view = self.view
        first = view.firstVisibleBlock()
        bottom = view.cursorForPosition(view.viewport().rect().bottomRight()).block()
        start = view._umap.to_codepoint(first.position())
        end = view._umap.to_codepoint(bottom.position() + bottom.length() - 1)
        return start, end

    def highlight_visible(self) -> None:
        view = self.view
        if not self.isVisible() or not self.matches:
            view.setExtraSelections([])
            return
        lo, hi = self.visible_range()
        starts_after = bisect_left(self.matches, (lo, -1))
        # A match starting just before the screen may reach into it.
        first = max(0, starts_after - 1)
        selections = []
        to_u16 = view._umap.to_utf16
        for i in range(first, len(self.matches)):
            start, end = self.matches[i]
            if start > hi:
                break
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(view.document())
            cursor.setPosition(to_u16(start))
            cursor.setPosition(to_u16(end), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            fmt = QTextCharFormat()
            fmt.setBackground(CURRENT_COLOR if i == self.index else MATCH_COLOR)
            selection.format = fmt
            selections.append(selection)
        view.setExtraSelections(selections)

    @property
    def highlighted(self) -> list[tuple[int, int]]:
        """(start, end) of each match highlighted now (tests)."""
        view = self.view
        return [
            (
                view._umap.to_codepoint(s.cursor.selectionStart()),
                view._umap.to_codepoint(s.cursor.selectionEnd()),
            )
            for s in view.extraSelections()
        ]
