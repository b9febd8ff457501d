"""The actions declared in ui/actions.py: the windows built from them, the guide's tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from annotator.io.project import load_project
from annotator.paths import GUIDE_FILE
from annotator.ui.actions import (
    COMPARE_WINDOW,
    MAIN_WINDOW,
    MARKERS,
    STANDARD_KEYS,
    TABLES,
    Action,
    Menu,
    actions,
    fill_shortcut_tables,
    shortcut_table,
)
from annotator.ui.help import HelpViewer, guide_text
from annotator.ui.main_window import MainWindow
from annotator.ui.menus import action_text, key_sequences, resolve
from annotator.ui.review.compare_window import CompareWindow

REPO = Path(__file__).resolve().parents[2]


def portable(sequences: list[QKeySequence]) -> list[str]:
    return [s.toString(QKeySequence.SequenceFormat.PortableText) for s in sequences]


@pytest.fixture
def bare_window(qtbot: QtBot) -> Iterator[MainWindow]:
    """A main window with no project: every menu is built all the same."""
    window = MainWindow(user="alice")
    qtbot.addWidget(window)
    yield window
    window.close()


@pytest.fixture
def compare(qtbot: QtBot, project: Path) -> Iterator[CompareWindow]:
    win = CompareWindow(load_project(project).open_database(), "alice", 1, "alice", "bob",
                        owns_database=True)  # fmt: skip
    qtbot.addWidget(win)
    yield win
    win.close()


# --- the declarations ---------------------------------------------------------------


@pytest.mark.parametrize("entries", [MAIN_WINDOW, COMPARE_WINDOW], ids=["main", "compare"])
def test_each_id_and_each_key_is_declared_once(entries: tuple[Action | Menu, ...]) -> None:
    ids = [entry.id for entry in entries]
    assert len(ids) == len(set(ids))
    keys = [key for action in actions(entries) for key in action.keys]
    assert len(keys) == len(set(keys)), "a key bound to two actions of one window"
    menus = {entry.id for entry in entries if isinstance(entry, Menu)}
    for action in actions(entries):
        assert action.menu is None or action.menu in menus, action.id
        assert action.handler or action.provided, f"{action.id} does nothing"
        assert not (action.standard and action.shortcuts), action.id


def test_the_guide_names_the_standard_keys_this_platform_has(bare_window: MainWindow) -> None:
    for name, documented in STANDARD_KEYS.items():
        bound = portable(QKeySequence.keyBindings(getattr(QKeySequence.StandardKey, name)))
        if bound:  # offscreen (and Windows) bind no key to Quit
            assert set(documented) <= set(bound), name


# --- the main window ----------------------------------------------------------------


def test_the_main_window_is_built_from_its_declarations(bare_window: MainWindow) -> None:
    bar = [a.menu() for a in bare_window.menuBar().actions()]
    top = [entry for entry in MAIN_WINDOW if isinstance(entry, Menu) and entry.parent is None]
    assert [m.title() for m in bar if isinstance(m, QMenu)] == [m.title for m in top]
    for menu_entry, menu in zip(top, bar, strict=True):
        assert isinstance(menu, QMenu)
        assert menu.objectName() == menu_entry.object_name
        shown = [a for a in menu.actions() if not a.isSeparator()]
        declared = [
            entry
            for entry in MAIN_WINDOW
            if (isinstance(entry, Action) and entry.menu == menu_entry.id)
            or (isinstance(entry, Menu) and entry.parent == menu_entry.id)
        ]
        assert [a.text() for a in shown] == [
            e.title if isinstance(e, Menu) else action_text(e, {}) for e in declared
        ]
        separators = [n for n, a in enumerate(menu.actions()) if a.isSeparator()]
        assert len(separators) == sum(
            1 for e in declared if isinstance(e, Action) and e.separator_before
        )
    for action in actions(MAIN_WINDOW):
        made = bare_window.action_by_id[action.id]
        assert portable(made.shortcuts()) == portable(key_sequences(action)), action.id
        assert made.objectName() == action.object_name, action.id
        assert made.isCheckable() == action.checkable, action.id


def test_the_keys_the_tests_and_the_guide_rely_on(bare_window: MainWindow) -> None:
    """Spelled out once more here, so that a change to the registry shows in a diff."""
    keys = {
        a.id: portable(bare_window.action_by_id[a.id].shortcuts())[:2] for a in actions(MAIN_WINDOW)
    }
    assert keys["file.import"] == ["Ctrl+I"]
    assert keys["file.export"] == ["Ctrl+Shift+E"]
    assert keys["edit.tag_all"] == ["Ctrl+Shift+M"]
    assert keys["edit.find"] == ["Ctrl+F"]
    assert keys["edit.find_next"] == ["F3"]
    assert keys["edit.find_previous"] == ["Shift+F3"]
    assert keys["edit.search"] == ["Ctrl+Shift+F"]
    assert keys["edit.preferences"] == ["Ctrl+,"]
    assert keys["view.suggestions"] == ["Ctrl+Shift+S"]
    assert keys["document.done"] == ["Ctrl+Return", "Ctrl+Enter"]
    assert keys["document.next"] == ["Ctrl+PgDown"]
    assert keys["document.previous"] == ["Ctrl+PgUp"]
    assert keys["review.compare"] == ["Ctrl+Shift+C"]
    assert keys["review.comments"] == ["Ctrl+Shift+K"]
    assert keys["help.guide"] == ["F1"]
    assert keys["edit.undo"][0] == "Ctrl+Z"
    assert bare_window.findChild(QAction, "guideAction") is bare_window.action_by_id["help.guide"]
    assert bare_window.assist.show_action.isChecked()


def test_every_handler_is_a_method_of_the_window(bare_window: MainWindow) -> None:
    for action in actions(MAIN_WINDOW):
        if action.handler:
            assert callable(resolve(bare_window, action.handler)), action.id
    for entry in MAIN_WINDOW:
        if isinstance(entry, Menu) and entry.filler:
            assert callable(resolve(bare_window, entry.filler)), entry.id


def test_triggering_calls_the_handler_with_its_arguments(bare_window: MainWindow) -> None:
    size = bare_window.view.font().pointSize()
    bare_window.action_by_id["view.larger"].trigger()
    assert bare_window.view.font().pointSize() == size + 1
    bare_window.action_by_id["view.smaller"].trigger()
    assert bare_window.view.font().pointSize() == size
    shown: list[bool] = []
    bare_window.assist.set_shown = shown.append  # type: ignore[method-assign]
    bare_window.action_by_id["view.suggestions"].trigger()  # checkable: the new state
    assert shown == [False]
    bare_window.action_by_id["help.shortcuts"].trigger()
    viewer = bare_window.findChild(HelpViewer, "helpViewer")
    assert viewer is not None
    assert viewer.browser.textCursor().block().text() == "Keyboard shortcuts"
    viewer.close()


# --- the compare window -------------------------------------------------------------


def test_the_compare_window_is_built_from_its_declarations(compare: CompareWindow) -> None:
    assert list(compare.actions_by_name) == [a.id for a in actions(COMPARE_WINDOW)]
    assert compare.actions_by_name["next"].text() == "Next (N)"
    assert compare.actions_by_name["accept_a"].text() == "Accept A: alice (A)"
    assert compare.actions_by_name["accept_b"].text() == "Accept B: bob (B)"
    assert compare.actions_by_name["accept_agreed"].text() == "Accept all agreed (Ctrl+Shift+A)"
    for action in actions(COMPARE_WINDOW):
        made = compare.actions_by_name[action.id]
        assert portable(made.shortcuts()) == portable(key_sequences(action)), action.id
        assert made in compare.actions(), action.id  # the keys work in the whole window
    assert portable(compare.actions_by_name["redo"].shortcuts()) == ["Ctrl+Shift+Z", "Ctrl+Y"]


# --- the guide and the Help window --------------------------------------------------


def test_the_committed_guide_has_the_registrys_tables() -> None:
    guide = (REPO / "docs" / "guide.md").read_text(encoding="utf-8")
    assert {m.group("name") for m in MARKERS.finditer(guide)} == set(TABLES)
    assert fill_shortcut_tables(guide) == guide, "run scripts/gen_shortcuts.py"


def test_the_guide_table_is_generated() -> None:
    table = shortcut_table(MAIN_WINDOW)
    assert "| **Ctrl+Shift+Z** or **Ctrl+Y** | redo |" in table
    assert "| **F1** | this guide |" in table
    assert "Tag all" not in table  # the menu's texts are not the table's
    stale = "<!-- shortcuts:main:begin -->\n| old |\n<!-- shortcuts:main:end -->\n"
    assert fill_shortcut_tables(stale) == (
        "<!-- shortcuts:main:begin -->\n" + table + "<!-- shortcuts:main:end -->\n"
    )
    unknown = "<!-- shortcuts:nope:begin -->\nkept\n<!-- shortcuts:nope:end -->\n"
    assert fill_shortcut_tables(unknown) == unknown


def test_the_help_window_shows_the_tables_without_markers(tmp_path: Path) -> None:
    stale = tmp_path / "guide.md"
    stale.write_text(
        "## Keyboard shortcuts\n\n<!-- shortcuts:compare:begin -->\n| old |\n"
        "<!-- shortcuts:compare:end -->\n",
        encoding="utf-8",
    )
    text = guide_text(stale)
    assert "shortcuts:" not in text and "| old |" not in text
    assert shortcut_table(COMPARE_WINDOW) in text
    assert "<!--" not in guide_text(GUIDE_FILE)
