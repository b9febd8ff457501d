"""The window under documents and schemas it cannot lay out at once (issue 12).

Run: ``.venv/bin/python -m benchmarks.bench_hostile_view`` (offscreen). Each case
is a project opened in the real window; the document is clicked in the
document list as an analyst would, then the view is scrolled to the end, and a
timer ticking every 5 ms records the longest time the event loop was blocked:

- one paragraph of 15 MB (words, no line break): shown as display blocks;
- one paragraph of 1 MB without a space (a base64 blob): the worst case of
  Qt's line breaking, 25 s before display blocks;
- one paragraph of 40 MB, over the 20-million-character limit: refused with a
  message in the view;
- a schema of 20,000 labels: click a document, right-click (the Tag as menu),
  type in the label palette's filter.

Prints a table and exits with 1 when any window action blocks for more than
1 s. Opening the 20,000-label project.yaml is reported too: that is the io
layer reading YAML, before the window gets the schema.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from benchmarks.common import print_table

TARGET_S = 1.0
LABELS = 20_000
WORDS = "Officials met in Astana on Tuesday to discuss trade and energy security. "


class Watchdog:
    """The longest gap between ticks of a 5 ms timer: how long the loop was blocked."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def measure(
        self, app: QApplication, action: Callable[[], object], settle: float = 1.0
    ) -> float:
        """Run ``action`` from the event loop, let the loop run on; the longest block."""
        self.last = time.perf_counter()
        self.worst = 0.0
        QTimer.singleShot(0, action)
        end = time.perf_counter() + settle
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)
        self._tick()
        return self.worst


def make_project(directory: Path, text: str, labels: int = 0) -> int:
    """A project with a short article and ``text``; returns the id of ``text``."""
    import yaml

    from annotator.core.model import DocumentDraft
    from annotator.io.project import create_project
    from annotator.store import repository

    project = create_project(directory)
    if labels:
        config = directory / "project.yaml"
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        # Names only (kind and colour have defaults): within the io layer's
        # limits on project.yaml (1 MB, 100,000 YAML nodes).
        data["schema"]["labels"] += [{"name": f"Topic {n:05d}"} for n in range(labels)]
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
    db = project.open_database()
    try:
        with db.session() as session:
            ids = repository.insert_documents(
                session,
                [
                    DocumentDraft(text="A short article first.\n", title="A short"),
                    DocumentDraft(text=text, title="B hostile"),
                ],
            )
    finally:
        db.close()
    assert ids[1] is not None
    return ids[1]


def click_document(window: object, document_id: int) -> None:
    tree = window.documents.tree  # type: ignore[attr-defined]
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        if item.data(0, Qt.ItemDataRole.UserRole) == document_id:
            QTest.mouseClick(
                tree.viewport(),
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
                tree.visualItemRect(item).center(),
            )
            return
    raise LookupError(document_id)


def scroll_to_end(window: object) -> None:
    view = window.view  # type: ignore[attr-defined]
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum())
    view.viewport().repaint()


def document_case(
    app: QApplication, dog: Watchdog, name: str, text: str
) -> list[tuple[str, float, str]]:
    from annotator.ui import open_window

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        doc = make_project(Path(tmp) / "project", text)
        window = open_window(Path(tmp) / "project", user="bench")
        QTest.qWaitForWindowExposed(window)
        dog.measure(app, lambda: None, 0.2)
        rows.append(
            (
                f"{name}: click it in the list",
                dog.measure(app, lambda: click_document(window, doc)),
                "",
            )
        )
        view = window.view
        shown = (
            f"{view.document().blockCount():,} display blocks"
            if view.text
            else "refused: " + view.placeholderText()[:48] + "…"
        )
        rows[-1] = (*rows[-1][:2], shown)
        rows.append(
            (f"{name}: scroll to the end", dog.measure(app, lambda: scroll_to_end(window), 0.5), "")
        )
        window.close()
        app.processEvents()
    return rows


def labels_case(app: QApplication, dog: Watchdog) -> list[tuple[str, float, str]]:
    from annotator.ui import open_window

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        doc = make_project(Path(tmp) / "project", WORDS * 20, labels=LABELS)
        began = time.perf_counter()
        window = open_window(Path(tmp) / "project", user="bench")
        opened = time.perf_counter() - began
        QTest.qWaitForWindowExposed(window)
        dog.measure(app, lambda: None, 0.2)
        rows.append(
            (
                f"{LABELS:,} labels: click a document",
                dog.measure(app, lambda: click_document(window, doc)),
                "",
            )
        )
        view = window.view

        def context_menu() -> None:
            view.set_text_selection(0, 8)
            menu = view.build_context_menu(QPoint(5, 5))
            menu.deleteLater()

        rows.append(
            (f"{LABELS:,} labels: right-click (Tag as menu)", dog.measure(app, context_menu), "")
        )
        palette = window.label_palette
        rows.append(
            (
                f"{LABELS:,} labels: type 'topic 1234' in the palette filter",
                dog.measure(app, lambda: QTest.keyClicks(palette.filter_edit, "topic 1234")),
                f"{palette.list.count()} rows listed",
            )
        )
        window.close()
        app.processEvents()
    info = (
        f"{LABELS:,} labels: open the project (reading project.yaml: io layer)",
        opened,
        "not checked",
    )
    return [*rows, info]


def main() -> int:
    from PySide6.QtWidgets import QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)

    def problem(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        raise SystemExit(f"the window said: {args[2]}")  # a modal box would wait for ever

    QMessageBox.warning = problem  # type: ignore[method-assign,assignment]
    with tempfile.TemporaryDirectory() as home:
        os.environ["HOME"] = home  # never the user's settings
        os.environ["XDG_CONFIG_HOME"] = str(Path(home) / ".config")
        dog = Watchdog()
        rows = []
        rows += document_case(app, dog, "15 MB on one line", WORDS * (15_000_000 // len(WORDS)))
        rows += document_case(app, dog, "1 MB without a space", "QUJD" * 250_000)
        rows += document_case(app, dog, "40 MB on one line", WORDS * (40_000_000 // len(WORDS)))
        rows += labels_case(app, dog)
    checked = [r for r in rows if r[2] != "not checked"]
    worst = max(seconds for _, seconds, _ in checked)
    print_table(
        f"Longest event-loop block (target < {TARGET_S:.0f} s), platform {app.platformName()}, "
        f"{os.cpu_count()} cores",
        ("action", "blocked", "note"),
        [(name, f"{seconds * 1000:,.0f} ms", note) for name, seconds, note in rows],
    )
    print(f"\nWorst window action: {worst * 1000:,.0f} ms ({'ok' if worst < TARGET_S else 'OVER'})")
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
