"""Whose spans the main window shows, and the layer its edits go to.

Three modes: my spans (edits go to my layer), every annotator's (edits still
go to mine) and one other layer, read-only; the gold layer shown to a reviewer
is the one other layer that is editable (docs/review.md).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox

from annotator.core.model import GOLD_ANNOTATOR

MODE_MINE = "mine"
MODE_ALL = "all"
MODE_OTHER = "other"


class ViewModeBox(QComboBox):
    """The "Show:" box: the mode chosen, and the other annotator shown."""

    modeChosen = Signal(str, object)
    """The analyst chose a mode: (mode, the other annotator or None)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("viewMode")
        self.setToolTip("Whose spans to show")
        self.mode = MODE_MINE
        self.other: str | None = None
        """The annotator shown in :data:`MODE_OTHER`."""
        self.currentIndexChanged.connect(self._chosen)

    def set_mode(self, mode: str, annotator: str | None = None) -> None:
        self.mode = mode
        self.other = annotator if mode == MODE_OTHER else None

    def fill(self, user: str, is_reviewer: bool, names: list[str]) -> None:
        """The choices for ``user`` among the layers ``names``; the current mode selected."""
        # Item data are plain strings ("mine", "all", "other:NAME"): Qt's
        # findData does not match Python tuples.
        self.blockSignals(True)
        self.clear()
        self.addItem(f"My spans ({user})", MODE_MINE)
        self.addItem("All annotators", MODE_ALL)
        names = list(names)
        if is_reviewer and GOLD_ANNOTATOR not in names:
            names.append(GOLD_ANNOTATOR)  # a reviewer may start the gold layer
        for name in names:
            if name == GOLD_ANNOTATOR and is_reviewer:
                self.addItem("Gold layer (you review: editable)", f"{MODE_OTHER}:{name}")
            elif name != user:
                self.addItem(f"{name}'s spans (read-only)", f"{MODE_OTHER}:{name}")
        wanted = f"{MODE_OTHER}:{self.other}" if self.mode == MODE_OTHER else self.mode
        self.setCurrentIndex(max(0, self.findData(wanted)))
        self.blockSignals(False)

    def layer(self, user: str, is_reviewer: bool) -> str:
        """The layer edits go to: ``user``'s, or gold when a reviewer shows it."""
        if self.mode == MODE_OTHER and self.other == GOLD_ANNOTATOR and is_reviewer:
            return GOLD_ANNOTATOR
        return user

    def editable(self, is_reviewer: bool) -> bool:
        """Whether the layers shown take edits (another's layer does not)."""
        return self.mode != MODE_OTHER or (self.other == GOLD_ANNOTATOR and is_reviewer)

    def visible(self, user: str) -> set[str] | None:
        """Whose spans are shown (None: everyone's)."""
        if self.mode == MODE_MINE:
            return {user}
        if self.mode == MODE_OTHER and self.other:
            return {self.other}
        return None

    def _chosen(self, index: int) -> None:
        mode, _, name = str(self.itemData(index)).partition(":")
        self.modeChosen.emit(mode, name or None)
