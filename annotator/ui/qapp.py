"""The one QApplication and its icon, for every window.

Apart from ui/app.py (which starts the program and imports the main window), so
that windows opened on their own (compare mode, the reports) need not import it.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from annotator.paths import ICONS_DIR


def app_icon() -> QIcon:
    icon = QIcon(str(ICONS_DIR / "annotator.svg"))
    for png in sorted((ICONS_DIR / "hicolor").glob("*/apps/annotator.png")):
        icon.addFile(str(png))
    return icon


def ensure_application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Annotator")
    app.setOrganizationName("Annotator")
    app.setDesktopFileName("annotator")
    app.setWindowIcon(app_icon())
    return app
