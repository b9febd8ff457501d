"""Threaded comments on a document or on one span, shown to everyone in the project."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.app import review
from annotator.app.review import Database
from annotator.ui.plain import literal, plain_label

ID_ROLE = Qt.ItemDataRole.UserRole


class CommentsPanel(QWidget):
    """The threads of one target (a document, or one of its spans) and a box to write.

    Each post is one database transaction. Enter in the box posts a new thread;
    with a comment selected, "Reply" posts into its thread.
    """

    commentAdded = Signal(int)
    """The id of a comment just written."""

    def __init__(self, db: Database, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentsPanel")
        self.db = db
        self.user = user
        self.document_id: int | None = None
        self.span_id: int | None = None
        self.threads: list[review.CommentData] = []

        self.title = plain_label("Comments")
        self.title.setObjectName("commentsTitle")
        self.title.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("commentTree")
        self.tree.setColumnCount(1)
        self.tree.setHeaderHidden(True)
        self.tree.setWordWrap(True)
        self.tree.setIndentation(14)
        self.input = QLineEdit()
        self.input.setObjectName("commentInput")
        self.input.setPlaceholderText("Write a comment, Enter to post")
        self.post_button = QPushButton("Comment")
        self.reply_button = QPushButton("Reply")
        self.reply_button.setObjectName("replyButton")
        self.reply_button.setEnabled(False)
        self.message = plain_label("")
        self.message.setObjectName("commentsMessage")
        self.message.setWordWrap(True)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.input, 1)
        row.addWidget(self.post_button)
        row.addWidget(self.reply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)

        self.input.returnPressed.connect(self.post)
        self.post_button.clicked.connect(self.post)
        self.reply_button.clicked.connect(self.reply)
        self.tree.itemSelectionChanged.connect(
            lambda: self.reply_button.setEnabled(self.selected_comment() is not None)
        )

    def set_target(
        self, document_id: int, span_id: int | None = None, description: str = ""
    ) -> None:
        """Show the threads of a span (``span_id``) or of the whole document (None)."""
        self.document_id = document_id
        self.span_id = span_id
        if span_id is None:
            self.title.setText(f"Comments on document {document_id}")
        else:
            self.title.setText(f"Comments on {description or f'span {span_id}'}")
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        if self.document_id is None:
            self.threads = []
            return
        self.threads = review.comment_threads(self.db, self.document_id, self.span_id)
        for thread in self.threads:
            self.tree.addTopLevelItem(self._item(thread))
        self.tree.expandAll()

    def _item(self, comment: review.CommentData) -> QTreeWidgetItem:
        when = comment.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        where = ""
        if self.span_id is None and comment.span_id is not None and comment.parent_id is None:
            where = f" on span {comment.span_id}"
        item = QTreeWidgetItem([f"{comment.author}, {when}{where}\n{comment.body}"])
        item.setData(0, ID_ROLE, comment.id)
        item.setToolTip(0, literal(comment.body))
        for reply in comment.replies:
            item.addChild(self._item(reply))
        return item

    def selected_comment(self) -> int | None:
        items = self.tree.selectedItems()
        return int(items[0].data(0, ID_ROLE)) if items else None

    def post(self) -> bool:
        """A new thread on the target from the text in the box."""
        return self._write(reply_to=None)

    def reply(self) -> bool:
        """A reply to the selected comment from the text in the box."""
        selected = self.selected_comment()
        if selected is None:
            self.message.setText("Select the comment to reply to")
            return False
        return self._write(reply_to=selected)

    def _write(self, reply_to: int | None) -> bool:
        if self.document_id is None:
            return False
        try:
            comment = review.add_comment(
                self.db,
                self.document_id,
                self.user,
                self.input.text(),
                span_id=None if reply_to is not None else self.span_id,
                reply_to=reply_to,
            )
        except (review.ReviewProblem, LookupError) as exc:
            self.message.setText(str(exc))
            return False
        self.input.clear()
        self.message.setText("")
        self.refresh()
        self.commentAdded.emit(comment.id)
        return True
