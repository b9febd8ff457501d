"""The windows' actions, declared as data: menus, texts, keys and handlers.

Each entry of :data:`MAIN_WINDOW` and :data:`COMPARE_WINDOW` is written once
here; :func:`annotator.ui.menus.build_actions` makes the QActions and menus of
the window from it, and :func:`shortcut_tables` writes the tables of keys that
the user guide (docs/guide.md, between ``<!-- shortcuts:… -->`` markers,
rewritten by ``scripts/gen_shortcuts.py``) and the Help window show. This module
imports no Qt, so the script and the guide's test need no display.

A handler is the dotted path of a method from the window that owns the action
(``"assist.open_find_bar"`` is ``window.assist.open_find_bar``), looked up when
the action is triggered, and called with ``args`` (and, for a checkable action,
whether it is now checked).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STANDARD_KEYS: dict[str, tuple[str, ...]] = {
    "New": ("Ctrl+N",),
    "Open": ("Ctrl+O",),
    "Quit": ("Ctrl+Q",),
    "Undo": ("Ctrl+Z",),
    "Redo": ("Ctrl+Shift+Z", "Ctrl+Y"),
    "ZoomIn": ("Ctrl++",),
    "ZoomOut": ("Ctrl+-",),
}
"""The keys the guide names for Qt's standard keys (QKeySequence.StandardKey):
the window takes the platform's own (Cmd on macOS; Quit has none on Windows)."""


@dataclass(frozen=True)
class Menu:
    """A menu of the menu bar, or (with ``parent``) a submenu placed among its actions."""

    id: str
    title: str
    parent: str | None = None
    object_name: str = ""
    filler: str = ""
    """Handler filling the menu just before it shows (``aboutToShow``)."""


@dataclass(frozen=True)
class Action:
    """One action of a window: in a menu (``menu``) or on the window itself (None)."""

    id: str
    text: str
    menu: str | None = None
    handler: str = ""
    """Dotted path from the window; empty when Qt makes the action (see ``provided``)."""
    shortcuts: tuple[str, ...] = ()
    """Portable key texts ("Ctrl+Shift+E"); the first is the one menus show."""
    args: tuple[object, ...] = ()
    standard: str = ""
    """A QKeySequence.StandardKey name instead: the platform's keys."""
    view_keys: str = ""
    """Keys the article view handles itself; the menu only names them (after a tab)."""
    key_in_text: bool = False
    """Show the first key in the text, "Next (N)" (the compare window's toolbar)."""
    object_name: str = ""
    checkable: bool = False
    checked: bool = False
    separator_before: bool = False
    tip: str = ""
    """Tooltip and status tip; Qt's default (the text) when empty."""
    provided: bool = False
    """Qt makes the QAction (the undo stack, a dock's toggle); the builder keys and places it."""
    does: str = ""
    """What the guide's table says the keys do; not in the table when empty."""

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys as the guide names them."""
        if self.standard:
            return STANDARD_KEYS[self.standard]
        return self.shortcuts


Entry = Menu | Action

MAIN_WINDOW: tuple[Entry, ...] = (
    Menu("file", "&File"),
    Action(
        "file.new",
        "&New project…",
        "file",
        "files.new_project_dialog",
        standard="New",
        does="new project",
    ),
    Action(
        "file.open",
        "&Open project…",
        "file",
        "_open_project_dialog",
        standard="Open",
        does="open a project",
    ),
    Menu("file.recent", "Open &recent", parent="file", filler="_fill_recent_menu"),
    Action(
        "file.import",
        "&Import files…",
        "file",
        "files.import_dialog",
        ("Ctrl+I",),
        separator_before=True,
        does="import files",
    ),
    Action(
        "file.export",
        "&Export dataset…",
        "file",
        "files.export_dialog",
        ("Ctrl+Shift+E",),
        does="export a dataset",
    ),
    Action(
        "file.quit",
        "&Quit",
        "file",
        "close",
        standard="Quit",
        separator_before=True,
        does="quit",
    ),
    Menu("edit", "&Edit"),
    Action(
        "edit.undo",
        "&Undo",
        "edit",
        standard="Undo",
        provided=True,
        does='undo (the Edit menu names the edit: "Undo Add Person")',
    ),
    Action("edit.redo", "&Redo", "edit", standard="Redo", provided=True, does="redo"),
    Action(
        "edit.delete",
        "&Delete span",
        "edit",
        "span_edits.delete_selected",
        view_keys="Del",
        separator_before=True,
    ),
    Action("edit.link", "&Link span…", "edit", "view.start_link", view_keys="L"),
    Action(
        "edit.add_piece",
        "&Add piece to span",
        "edit",
        "view.add_piece",
        ("Ctrl+Shift+P",),
        does="add the selected text to the selected span as a piece",
    ),
    Action(
        "edit.remove_piece",
        "Remove pi&ece",
        "edit",
        "view.remove_piece",
        ("Ctrl+Shift+Backspace",),
        does="remove the piece of the selected span that was clicked or the selected text touches",
    ),
    Action(
        "edit.tag_all",
        "Tag all &matches of the span",
        "edit",
        "tag_all_matches",
        ("Ctrl+Shift+M",),
        does="tag every other occurrence of the selected span's text (whole words; one undo)",
    ),
    Action(
        "edit.link_entity",
        "Link to &entity…",
        "edit",
        "entities.link_selected",
        ("Ctrl+E",),
        separator_before=True,
        does="link the selected mention to an entity: pick one, or type a new name "
        "and press **Enter** to create it",
    ),
    Action(
        "edit.unlink_entity",
        "Unlink from entit&y",
        "edit",
        "entities.unlink_selected",
        ("Ctrl+Shift+U",),
        does="unlink the selected mention from its entity",
    ),
    Action(
        "edit.find",
        "&Find…",
        "edit",
        "assist.open_find_bar",
        ("Ctrl+F",),
        separator_before=True,
        does="find in the document (in the find bar **Enter** / **Shift+Enter**: next / previous)",
    ),
    Action(
        "edit.find_next",
        "Find &next",
        "edit",
        "assist.find_bar.find_next",
        ("F3",),
        does="next match of the find bar",
    ),
    Action(
        "edit.find_previous",
        "Find pre&vious",
        "edit",
        "assist.find_previous",
        ("Shift+F3",),
        does="previous match of the find bar",
    ),
    Action(
        "edit.search",
        "Find in the &project…",
        "edit",
        "assist.open_search",
        ("Ctrl+Shift+F",),
        does="search the whole project",
    ),
    Action("edit.annotate_all", "Annotate all &matches…", "edit", "assist.annotate_from_find_bar"),
    Action(
        "edit.preferences",
        "&Preferences…",
        "edit",
        "edit_preferences",
        ("Ctrl+,",),
        object_name="preferencesAction",
        separator_before=True,
        does="preferences",
    ),
    Menu("view", "&View"),
    Action(
        "view.larger",
        "&Larger text",
        "view",
        "change_font_size",
        args=(1,),
        standard="ZoomIn",
        does="larger text (remembered)",
    ),
    Action(
        "view.smaller",
        "&Smaller text",
        "view",
        "change_font_size",
        args=(-1,),
        standard="ZoomOut",
        does="smaller text (remembered)",
    ),
    Action(
        "view.next_pane",
        "&Next pane",
        "view",
        "focus_pane",
        ("F6",),
        args=(1,),
        separator_before=True,
        does="move the keyboard focus to the next pane: documents, article, spans, "
        "details, then the open panels",
    ),
    Action(
        "view.previous_pane",
        "&Previous pane",
        "view",
        "focus_pane",
        ("Shift+F6",),
        args=(-1,),
        does="move the keyboard focus to the previous pane",
    ),
    Action(
        "view.suggestions",
        "Show &suggestions",
        "view",
        "assist.set_shown",
        ("Ctrl+Shift+S",),
        object_name="showSuggestions",
        checkable=True,
        checked=True,
        separator_before=True,
        does="show or hide suggestions",
    ),
    Action(
        "view.entities",
        "&Entities",
        "view",
        shortcuts=("Ctrl+Shift+N",),
        checkable=True,
        provided=True,
        object_name="showEntities",
        does="show or hide the Entities panel",
    ),
    Action(
        "view.document_labels",
        "&Document labels",
        "view",
        shortcuts=("Ctrl+Shift+L",),
        checkable=True,
        provided=True,
        object_name="showDocumentLabels",
        does="show or hide the Document labels panel (in the article, a document "
        "label's key then a value's number sets it; **0** clears)",
    ),
    Menu("document", "&Document"),
    Action(
        "document.done",
        "Mark &done and go to next",
        "document",
        "mark_done_and_next",
        ("Ctrl+Return", "Ctrl+Enter"),
        does="mark the document done and open the next one not done",
    ),
    Action(
        "document.next",
        "&Next document",
        "document",
        "step_document",
        ("Ctrl+PgDown",),
        args=(1,),
        does="next document",
    ),
    Action(
        "document.previous",
        "&Previous document",
        "document",
        "step_document",
        ("Ctrl+PgUp",),
        args=(-1,),
        does="previous document",
    ),
    Action(
        "document.accept_all",
        "&Accept all suggestions",
        "document",
        "assist.accept_all",
        object_name="acceptAllSuggestions",
        separator_before=True,
    ),
    Action(
        "document.next_suggestion",
        "Next suggestion",
        "document",
        "assist._step",
        args=(1,),
        view_keys="Tab",
    ),
    Action(
        "document.previous_suggestion",
        "Previous suggestion",
        "document",
        "assist._step",
        args=(-1,),
        view_keys="Shift+Tab",
    ),
    Menu("review", "&Review", object_name="reviewMenu", filler="review.menu_shown"),
    Action(
        "review.compare",
        "&Compare annotators…",
        "review",
        "review.compare",
        ("Ctrl+Shift+C",),
        object_name="compareAction",
        does="compare two annotators (Review menu)",
    ),
    Action("review.agreement", "&Agreement report", "review", "review.agreement"),
    Action("review.progress", "&Progress dashboard", "review", "review.progress"),
    Action(
        "review.comments",
        "C&omments",
        "review",
        shortcuts=("Ctrl+Shift+K",),
        checkable=True,
        provided=True,
        separator_before=True,
        does="show or hide the comments",
    ),
    Menu("help", "&Help", object_name="helpMenu"),
    Action(
        "help.guide",
        "&User guide",
        "help",
        "show_guide",
        ("F1",),
        object_name="guideAction",
        does="this guide",
    ),
    Action(
        "help.shortcuts", "Keyboard &shortcuts", "help", "show_guide", args=("Keyboard shortcuts",)
    ),
    Action("help.tour", "Show the &tour again", "help", "show_tour"),
    Action(
        "help.about",
        "&About Annotator",
        "help",
        "show_about",
        object_name="aboutAction",
        separator_before=True,
    ),
)
"""The main window's menus, in menu-bar order; each menu's actions in their order."""

COMPARE_WINDOW: tuple[Entry, ...] = (
    Action(
        "previous",
        "Previous",
        None,
        "previous",
        ("P",),
        key_in_text=True,
        object_name="previousAction",
        does="previous disagreement",
    ),
    Action(
        "next",
        "Next",
        None,
        "next",
        ("N",),
        key_in_text=True,
        object_name="nextAction",
        does="next disagreement",
    ),
    Action(
        "accept_a",
        "Accept A: {a}",
        None,
        "accept",
        ("A",),
        args=("a",),
        key_in_text=True,
        object_name="acceptAAction",
        does="accept A's span into gold",
    ),
    Action(
        "accept_b",
        "Accept B: {b}",
        None,
        "accept",
        ("B",),
        args=("b",),
        key_in_text=True,
        object_name="acceptBAction",
        does="accept B's span into gold",
    ),
    Action(
        "reject",
        "Reject",
        None,
        "reject",
        ("R",),
        key_in_text=True,
        object_name="rejectAction",
        does="reject both",
    ),
    Action(
        "edit",
        "Edit in gold",
        None,
        "edit",
        ("E",),
        key_in_text=True,
        object_name="editAction",
        does="open the passage in the gold layer of the main window, to mark it by hand",
    ),
    Action(
        "accept_agreed",
        "Accept all agreed",
        None,
        "accept_agreed",
        ("Ctrl+Shift+A",),
        key_in_text=True,
        object_name="acceptAgreedAction",
        does="accept every agreed span and document label of the document into gold",
    ),
    Action(
        "undo",
        "Undo",
        None,
        standard="Undo",
        provided=True,
        separator_before=True,
        does="undo a decision",
    ),
    Action("redo", "Redo", None, shortcuts=("Ctrl+Shift+Z", "Ctrl+Y"), provided=True, does="redo"),
)
"""The compare window's keys, on its toolbar in this order (a separator before Undo)."""

TABLES: dict[str, tuple[Entry, ...]] = {"main": MAIN_WINDOW, "compare": COMPARE_WINDOW}
"""The registries by the name their table has in the guide's markers."""

MARKERS = re.compile(
    r"(<!-- shortcuts:(?P<name>\w+):begin -->\n)(?P<table>.*?)(<!-- shortcuts:(?P=name):end -->)",
    re.DOTALL,
)
MARKER_LINE = re.compile(r"^<!-- shortcuts:\w+:(begin|end) -->\n", re.MULTILINE)
"""A marker's line (the Help window leaves them out)."""


def actions(entries: Iterable[Entry]) -> list[Action]:
    return [entry for entry in entries if isinstance(entry, Action)]


def find(entries: Iterable[Entry], action_id: str) -> Action:
    return next(a for a in actions(entries) if a.id == action_id)


def key_text(keys: Sequence[str]) -> str:
    """``**Ctrl+Shift+Z** or **Ctrl+Y**``; a ``+`` key (Ctrl++) stays as written."""
    return " or ".join(f"**{key}**" for key in keys)


def shortcut_table(entries: Iterable[Entry]) -> str:
    """The Markdown table of the keys of ``entries`` that say what they do."""
    lines = ["| Key | Does |", "| --- | --- |"]
    for action in actions(entries):
        if action.does and action.keys:
            lines.append(f"| {key_text(action.keys)} | {action.does} |")
    return "\n".join(lines) + "\n"


def fill_shortcut_tables(markdown: str) -> str:
    """``markdown`` with the table between each pair of markers written from the registry."""

    def table(match: re.Match[str]) -> str:
        entries = TABLES.get(match.group("name"))
        if entries is None:
            return match.group(0)
        return match.group(1) + shortcut_table(entries) + match.group(4)

    return MARKERS.sub(table, markdown)
