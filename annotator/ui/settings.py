"""Window settings (layout, font size, recent projects), in an INI file.

The file's place is worked out from the environment on every call rather
than by QSettings' own search, which Qt caches for the life of the process:
tests give each case its own HOME and must never see the user's settings.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QSettings

RECENT_LIMIT = 8


def settings_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "annotator" / "window.ini"


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
