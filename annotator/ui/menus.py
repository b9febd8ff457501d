"""Build a window's QActions and menus from their declarations (ui/actions.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from annotator.ui.actions import Action, Entry, Menu


def resolve(owner: object, path: str) -> Callable[..., Any]:
    """``owner.a.b`` for ``"a.b"``: a handler, looked up when it is called."""
    target: Any = owner
    for name in path.split("."):
        target = getattr(target, name)
    if not callable(target):
        raise TypeError(f"{path} of {type(owner).__name__} is not callable")
    return cast("Callable[..., Any]", target)


def key_sequences(action: Action) -> list[QKeySequence]:
    if action.standard:
        return QKeySequence.keyBindings(getattr(QKeySequence.StandardKey, action.standard))
    return [QKeySequence(key) for key in action.shortcuts]


def action_text(action: Action, fields: Mapping[str, str]) -> str:
    text = action.text.format(**fields) if fields else action.text
    if action.key_in_text and action.keys:
        text += f" ({action.keys[0]})"
    if action.view_keys:
        text += f"\t{action.view_keys}"
    return text


def _connect(qaction: QAction, owner: object, action: Action) -> None:
    path, args = action.handler, action.args
    if action.checkable:
        qaction.toggled.connect(lambda checked: resolve(owner, path)(*args, checked))
    else:
        qaction.triggered.connect(lambda _checked=False: resolve(owner, path)(*args))


def make_action(
    owner: QWidget,
    action: Action,
    *,
    provided: QAction | None = None,
    fields: Mapping[str, str] | None = None,
    context: Qt.ShortcutContext | None = None,
) -> QAction:
    """The QAction of ``action`` (``provided`` when Qt made it), connected to its handler."""
    if provided is None:
        qaction = QAction(action_text(action, fields or {}), owner)
    else:
        qaction = provided
        qaction.setText(action_text(action, fields or {}))
    if action.object_name:
        qaction.setObjectName(action.object_name)
    keys = key_sequences(action)
    if keys:
        qaction.setShortcuts(keys)
    if context is not None:
        qaction.setShortcutContext(context)
    if action.tip:
        qaction.setToolTip(action.tip)
        qaction.setStatusTip(action.tip)
    if action.checkable and provided is None:  # a provided one keeps its state
        qaction.setCheckable(True)
        qaction.setChecked(action.checked)
    if action.handler:
        _connect(qaction, owner, action)
    return qaction


class BuiltActions:
    """The QActions by id, the menus by id, in the order declared."""

    def __init__(self) -> None:
        self.actions: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}


def build_actions(
    owner: QWidget,
    entries: Iterable[Entry],
    *,
    provided: Mapping[str, Callable[[Action], QAction]] | None = None,
    fields: Mapping[str, str] | None = None,
    context: Qt.ShortcutContext | None = None,
    add_to: Callable[[QAction, Action], None] | None = None,
) -> BuiltActions:
    """Make the menus (in ``owner``'s menu bar) and actions declared by ``entries``.

    ``provided`` makes, from their declaration, the actions Qt makes (undo,
    redo, a dock's toggle);
    ``fields`` fill the texts' ``{names}``. An action with no menu is added to
    the owner (its keys work in the window), or passed to ``add_to``.
    """
    built = BuiltActions()
    makers = provided or {}
    for entry in entries:
        if isinstance(entry, Menu):
            if entry.parent is None:
                assert isinstance(owner, QMainWindow), "menus need a main window"
                menu = owner.menuBar().addMenu(entry.title)
            else:
                menu = built.menus[entry.parent].addMenu(entry.title)
            if entry.object_name:
                menu.setObjectName(entry.object_name)
            if entry.filler:
                filler = entry.filler
                menu.aboutToShow.connect(lambda path=filler: resolve(owner, path)())
            built.menus[entry.id] = menu
            continue
        maker = makers.get(entry.id)
        if entry.provided and maker is None:
            raise ValueError(f"{entry.id}: Qt makes this action; pass its maker in provided")
        qaction = make_action(
            owner,
            entry,
            provided=maker(entry) if maker is not None else None,
            fields=fields,
            context=context,
        )
        built.actions[entry.id] = qaction
        if entry.menu is not None:
            menu = built.menus[entry.menu]
            if entry.separator_before:
                menu.addSeparator()
            menu.addAction(qaction)
        elif add_to is not None:
            add_to(qaction, entry)
        else:
            owner.addAction(qaction)
    return built
