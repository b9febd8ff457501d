"""Screenshots of the desktop side for the docs: welcome screen, tour, guide, preferences.

Run: ``.venv/bin/python scripts/screenshots_desktop.py`` (offscreen; no display
needed). Everything runs in a throwaway HOME, so your own settings and recent
projects are neither shown nor touched; the real program's widgets are
built in-process and grabbed into docs/screenshots/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
HOME = Path(tempfile.mkdtemp(prefix="annotator-shots-"))
os.environ.update(
    HOME=str(HOME),
    XDG_CONFIG_HOME=str(HOME / ".config"),
    XDG_DATA_HOME=str(HOME / ".local" / "share"),
)

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from annotator.io.project import create_project  # noqa: E402
from annotator.ui import settings  # noqa: E402
from annotator.ui.app import Launcher, ensure_application  # noqa: E402
from annotator.ui.help import show_guide  # noqa: E402
from annotator.ui.preferences import PreferencesDialog  # noqa: E402
from annotator.ui.tour import TourPanel  # noqa: E402

OUT = REPO / "docs" / "screenshots"


def settle(app: QApplication, ms: int = 80) -> None:
    for _ in range(5):
        app.processEvents()
    QTest.qWait(ms)


def save(widget: QWidget, name: str) -> None:
    path = OUT / name
    pixmap = widget.grab()
    if not pixmap.save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path.relative_to(REPO)} ({pixmap.width()}x{pixmap.height()})")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = ensure_application()
    settings.remember_user("alice")
    for name in ("elections-2024", "climate-coverage"):  # recent projects to list
        directory = HOME / "Projects" / name
        create_project(directory)
        settings.remember_project(directory)

    launcher = Launcher(user="alice", ask_name=False)
    welcome = launcher.show_welcome()
    welcome.resize(780, 470)
    settle(app)
    save(welcome, "welcome.png")

    welcome.open_sample()  # copies the sample to the data folder, opens it with the tour
    window = launcher.windows[0]
    window.resize(1280, 780)
    settle(app)
    window.view.finish_styling()
    tour = window.findChild(TourPanel, "tourPanel")
    assert tour is not None, "the tour did not start"
    settle(app, 150)
    save(window, "tour.png")
    tour.dismiss()

    viewer = show_guide(window, "Keyboard shortcuts")
    viewer.resize(1000, 720)
    settle(app)
    viewer.show_section("Keyboard shortcuts")
    settle(app)
    save(viewer, "guide.png")
    viewer.close()

    dialog = PreferencesDialog(window)
    dialog.show()
    settle(app)
    save(dialog, "preferences.png")
    dialog.close()

    QTimer.singleShot(0, app.closeAllWindows)
    settle(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
