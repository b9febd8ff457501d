"""Starting the program: the QApplication, the welcome screen, the windows.

``annotator`` (or ``annotator open``) opens the project asked for, else the
last one; with neither (the first run) it shows the welcome screen. The
analyst's name is asked once, the first time, and stored in the user's
settings. The window is shown before the project is opened, so it appears at
once (docs/design.md, "Start-up").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from annotator.ui.qapp import app_icon, ensure_application

__all__ = ["Launcher", "app_icon", "ensure_application", "run_app", "startup_project"]

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow
    from annotator.ui.welcome import WelcomeScreen


def startup_project(project: str | Path | None) -> Path | None:
    """The project to open: the one asked for, else the last one, else None (welcome)."""
    from annotator.ui import settings

    if project is not None:
        return Path(project)
    return settings.last_project()


class Launcher(QObject):
    """Opens projects in main windows, from the command line or the welcome screen."""

    def __init__(self, user: str | None = None, *, ask_name: bool = True) -> None:
        super().__init__()
        self.user = user
        self.ask_name = ask_name
        self.welcome: WelcomeScreen | None = None
        self.windows: list[MainWindow] = []

    def _user(self) -> str:
        from annotator.ui import settings
        from annotator.ui.welcome import ensure_analyst_name

        if self.user:
            return self.user
        if self.ask_name:
            return ensure_analyst_name(self.welcome)
        return settings.default_user()

    def show_welcome(self) -> WelcomeScreen:
        from annotator.ui.welcome import WelcomeScreen

        if self.welcome is None:
            self.welcome = WelcomeScreen()
            self.welcome.projectChosen.connect(self._chosen)
        self.welcome.fill_recent()
        self.welcome.show()
        self.welcome.raise_()
        if self.ask_name and not self.user:
            QTimer.singleShot(0, self._user)  # the name, once, over the welcome screen
        return self.welcome

    def _chosen(self, directory: str, sample: bool) -> None:
        window = self.open_window(Path(directory), sample=sample, now=True)
        if window is not None and self.welcome is not None:
            self.welcome.close()

    def open_window(
        self, directory: Path, *, sample: bool = False, now: bool = False
    ) -> MainWindow | None:
        """A main window on ``directory``; with ``now`` False the project opens
        after the window is on screen. None when the project cannot be opened."""
        from annotator.ui.main_window import MainWindow
        from annotator.ui.preferences import apply_user_preferences

        window = MainWindow(user=self._user())
        apply_user_preferences(window)
        window.show()
        self.windows.append(window)

        def open_it() -> bool:
            if not window.open_project(directory):
                if self.welcome is not None or now:
                    window.close()
                    self.show_welcome()
                return False
            if sample:
                from annotator.ui.tour import start_tour

                start_tour(window)
            return True

        if now:
            return window if open_it() else None
        if window.preview_project(directory):
            # The article is painted first, then the project opens (cold start).
            open_after_paint(window, open_it)
        else:
            QTimer.singleShot(0, open_it)
        return window


PREVIEW_PAINT_WAIT_MS = 500
"""How long the project waits for the preview's paint (a hidden window never paints)."""


def open_after_paint(window: MainWindow, open_it: Callable[[], object]) -> None:
    """Call ``open_it`` once the window's article has been painted (or after
    :data:`PREVIEW_PAINT_WAIT_MS`), from the event loop, not from the paint."""
    pending = True

    def now() -> None:
        nonlocal pending
        if pending:
            pending = False
            window.view.painted.disconnect(now)
            QTimer.singleShot(0, open_it)

    window.view.painted.connect(now)
    QTimer.singleShot(PREVIEW_PAINT_WAIT_MS, now)


def run_app(
    project: str | Path | None = None,
    user: str | None = None,
    quit_after_ms: int | None = None,
) -> int:
    """Show the window (or the welcome screen), then open the project."""
    from annotator.ui import settings
    from annotator.ui.preferences import apply_theme

    app = ensure_application()
    apply_theme(app, settings.theme())
    from annotator.core.model import name_problem

    if user and name_problem(user) is None:  # "gold" is not kept: the window refuses it
        settings.remember_user(user)
    # --quit-after is for smoke tests: never wait for an answer there.
    launcher = Launcher(user, ask_name=quit_after_ms is None)
    target = startup_project(project)
    if target is None:
        launcher.show_welcome()
    else:
        launcher.open_window(target, sample=_is_sample(target))
    if quit_after_ms is not None:
        QTimer.singleShot(max(0, quit_after_ms), lambda: _quit_for_test(app))
    return int(app.exec())


def _quit_for_test(app: QApplication) -> None:
    """--quit-after: say which windows were up (smoke tests check it), close them."""
    shown = sorted(
        {w.objectName() for w in app.topLevelWidgets() if w.isVisible() and w.objectName()}
    )
    print(f"annotator: quitting after --quit-after; shown: {', '.join(shown)}", flush=True)
    app.closeAllWindows()


def _is_sample(directory: Path) -> bool:
    from annotator.paths import user_data_dir

    try:
        return directory.resolve() == (user_data_dir() / "sample").resolve()
    except OSError:
        return False
