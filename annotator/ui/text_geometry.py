"""Where characters are on screen, for views of a document's text.

A read-only QPlainTextEdit subclass that keeps the code-point/UTF-16 map of
its text (``_umap``) gets ``char_rect`` and ``offset_at`` in code points from
this mixin; the article view and compare mode share it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QTextLine
from PySide6.QtWidgets import QPlainTextEdit

from annotator.core.offsets import Utf16Map


def line_x(line: QTextLine, position: int) -> float:
    # PySide6 returns (x, position) for QTextLine.cursorToX(int).
    result: Any = line.cursorToX(position)
    return float(result[0] if isinstance(result, tuple) else result)


class CodepointGeometry(QPlainTextEdit):
    _umap: Utf16Map

    def char_rect(self, offset: int) -> QRect:
        """The rectangle of the character at code-point ``offset``, in viewport coordinates."""
        u16 = self._umap.to_utf16(offset)
        width = self._umap.to_utf16(min(offset + 1, self._umap.length)) - u16
        block = self.document().findBlock(u16)
        # Asking for the geometry lays the block out if an edit invalidated it.
        top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        layout = block.layout()
        relative = u16 - block.position()
        line = layout.lineForTextPosition(relative)
        if not line.isValid():
            return QRect()
        x1 = line_x(line, relative)
        x2 = line_x(line, relative + width) if width else x1 + 1
        left = layout.position().x() + min(x1, x2)
        return QRect(int(left), int(top + line.y()), max(1, int(abs(x2 - x1))), int(line.height()))

    def offset_at(self, point: QPoint) -> int | None:
        """The code-point offset of the character under ``point`` (None off the text)."""
        if not self._umap.length:
            return None
        position = self.cursorForPosition(point).position()
        block = self.document().findBlock(position)
        top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        layout = block.layout()
        relative = position - block.position()
        line = layout.lineForTextPosition(relative)
        if not line.isValid() or not top + line.y() <= point.y() < top + line.y() + line.height():
            return None
        if point.x() < line_x(line, relative):
            relative -= 1
        if relative < line.textStart() or relative >= line.textStart() + line.textLength():
            return None
        return self._umap.to_codepoint(block.position() + relative)
