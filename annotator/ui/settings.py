"""Window settings (layout, font size, recent projects), in an INI file.

The file's place is worked out from the environment on every call rather
than by QSettings' own search, which Qt caches for the life of the process:
tests give each case its own HOME and must never see the user's settings.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from annotator.ui.article_view import ArticleView

RECENT_LIMIT = 8


def settings_path() -> Path:
    """$XDG_CONFIG_HOME/annotator/window.ini, else the platform's config folder."""
    base = os.environ.get("XDG_CONFIG_HOME")
    if not base and sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home()) / "Annotator" / "window.ini"
    if not base and sys.platform == "darwin":
        return Path.home() / "Library" / "Preferences" / "Annotator" / "window.ini"
    return Path(base or Path.home() / ".config") / "annotator" / "window.ini"


def app_settings() -> QSettings:
    return QSettings(str(settings_path()), QSettings.Format.IniFormat)


def recent_projects() -> list[str]:
    value = app_settings().value("projects/recent", [])
    if isinstance(value, str):
        # QSettings gives back a one-item list as a plain string.
        return [value] if value else []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return []


def remember_project(directory: Path) -> None:
    path = str(Path(directory).resolve())
    recent = [p for p in recent_projects() if p != path]
    settings = app_settings()
    settings.setValue("projects/recent", [path, *recent][:RECENT_LIMIT])
    settings.setValue("projects/last", path)
    settings.sync()


def last_project() -> Path | None:
    value = app_settings().value("projects/last", "")
    if value and Path(str(value)).is_dir():
        return Path(str(value))
    return None


def default_user() -> str:
    value = app_settings().value("user/name", "")
    if value:
        return str(value)
    try:
        return getpass.getuser() or "annotator"
    except (KeyError, OSError):
        return "annotator"


def remember_user(name: str) -> None:
    settings = app_settings()
    settings.setValue("user/name", name)
    settings.sync()


def _project_key(directory: Path) -> str:
    # Paths have slashes, which QSettings reads as groups: use a digest.
    digest = hashlib.sha1(str(Path(directory).resolve()).encode("utf-8")).hexdigest()
    return f"documents/{digest[:16]}"


def last_document(directory: Path) -> int | None:
    value = app_settings().value(_project_key(directory))
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def remember_document(directory: Path, document_id: int) -> None:
    app_settings().setValue(_project_key(directory), document_id)


# --- first run, appearance (issue 9) ----------------------------------------

THEMES = ("system", "light", "dark")
"""appearance/theme: follow the system (default), or always light or dark."""


def has_user_name() -> bool:
    """True once a name was given (asked on the first run, or --user)."""
    return bool(app_settings().value("user/name", ""))


def theme() -> str:
    value = str(app_settings().value("appearance/theme", "system"))
    return value if value in THEMES else "system"


def set_theme(value: str) -> None:
    app_settings().setValue("appearance/theme", value if value in THEMES else "system")


def font_family() -> str | None:
    value = app_settings().value("view/font_family", "")
    return str(value) if value else None


def set_font(family: str | None, size: int) -> None:
    stored = app_settings()
    stored.setValue("view/font_family", family or "")
    stored.setValue("view/font_size", size)
    stored.sync()


def tour_shown() -> bool:
    return str(app_settings().value("welcome/tour_shown", "false")).lower() == "true"


def mark_tour_shown() -> None:
    stored = app_settings()
    stored.setValue("welcome/tour_shown", True)
    stored.sync()


def dock_hidden_by_program(name: str) -> bool:
    """Whether the window itself last hid the dock ``name`` (for a project with
    nothing to show in it), rather than the analyst; True before it ever showed."""
    return str(app_settings().value(f"docks/{name}_hidden_by_program", "true")).lower() == "true"


def mark_dock_hidden_by_program(name: str, hidden: bool) -> None:
    stored = app_settings()
    stored.setValue(f"docks/{name}_hidden_by_program", hidden)
    stored.sync()


def restore_layout(window: QMainWindow, view: ArticleView) -> None:
    """The window's size, place and docks, and the article's font size, as last saved."""
    stored = app_settings()
    geometry = stored.value("window/geometry")
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    state = stored.value("window/state")
    if isinstance(state, QByteArray):
        window.restoreState(state)
    size = stored.value("view/font_size")
    if size is not None:
        view.set_font_size(int(str(size)))


def save_layout(window: QMainWindow, view: ArticleView) -> None:
    stored = app_settings()
    stored.setValue("window/geometry", window.saveGeometry())
    stored.setValue("window/state", window.saveState())
    stored.setValue("view/font_size", view.font().pointSize())
    stored.sync()
