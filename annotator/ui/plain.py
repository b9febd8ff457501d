"""User data is shown as text, never read as markup.

Qt guesses a text's format in labels, tooltips and message boxes: a text with
something like a tag (or ``&lt;``) before its first line break
(``Qt::mightBeRichText``) is rendered as HTML, so a document titled
``<h1>X</h1><img src=x>`` would show a heading and fetch an image. Menus,
buttons and tabs read ``&`` as a mnemonic, and window titles read ``[*]`` as
the "modified" mark. Every place where titles, span text, annotator, label
and relation names, descriptions, comments, paths or error messages reach a
widget goes through one of these:

* :func:`plain_label` / :func:`set_plain` for a QLabel (Qt.PlainText);
* :func:`literal` for a tooltip or a message box, which have no format to set;
* :func:`escape` for each value put into HTML the program builds;
* :func:`menu_text` and :func:`window_title` for actions and window titles.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel, QWidget

CHIP_TEXT = "#1a1a1a"
"""Text on a label's colour (pastel) and on the light article: dark in either theme."""


def escape(value: object) -> str:
    """``value`` as text inside HTML: ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(str(value), quote=True)


def literal(text: str) -> str:
    """A text that a widget guessing the format (a tooltip, a message box)
    shows as exactly ``text``: unchanged when Qt would read it as plain text
    anyway, otherwise escaped in a paragraph that keeps spaces and line breaks."""
    if not GuiQt.mightBeRichText(text):
        return text
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"


def set_plain(label: QLabel, text: str) -> None:
    """Show ``text`` in ``label`` as it is."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows its text as it is, whatever it looks like."""
    label = QLabel(parent)
    set_plain(label, text)
    return label


def menu_text(text: str) -> str:
    """``text`` for a menu action, button or tab: ``&`` shown, not a mnemonic."""
    return text.replace("&", "&&")


def window_title(text: str) -> str:
    """``text`` for a window title: a ``[*]`` in it shown, not taken for the modified mark."""
    return text.replace("[*]", "[*][*]")
