"""Screenshot of suggestions in the article view, from the real window.

Run: ``.venv/bin/python scripts/screenshot_assist.py`` (offscreen; no display
needed). Works on a copy of the sample project (the sample itself is not
touched): alice has tagged a few names in the Blinken article, so her
dictionary suggests their other mentions, and the quotation is suggested with
its speaker. Tab makes one suggestion current, and the window is saved to
docs/screenshots/suggestions.png: spans are solid colour, suggestions are
hatched with a dashed underline, the current one framed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from annotator.io.project import load_project  # noqa: E402
from annotator.store import repository  # noqa: E402

OUT = REPO / "docs" / "screenshots"
SIZE = (1360, 820)

# (label, text, occurrence): alice's spans; their other mentions become suggestions.
TAGS = [
    ("Person", "Antony Blinken", 0),
    ("Person", "Blinken", 1),
    ("Location", "Central Asia", 1),
    ("Location", "Kazakhstan", 0),
    ("Location", "Uzbekistan", 0),
    ("Location", "Ukraine", 0),
    ("Location", "Moscow", 0),
    ("Organization", "Biden administration", 0),
]


def find(text: str, needle: str, occurrence: int) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HOME"] = tmp
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / ".config")
        project_dir = Path(tmp) / "sample"
        shutil.copytree(
            REPO / "projects" / "sample", project_dir, ignore=shutil.ignore_patterns("*.sqlite*")
        )
        db = load_project(project_dir).open_database()
        try:
            with db.session() as session:
                doc = next(d.id for d in repository.list_documents(session) if "Blinken" in d.title)
                text = repository.document_text(session, doc)
                for label, needle, occurrence in TAGS:
                    repository.add_span(
                        session, doc, "alice", label, *find(text, needle, occurrence)
                    )
        finally:
            db.close()

        from annotator.ui import open_window
        from annotator.ui.app import ensure_application

        app = ensure_application()
        window = open_window(project_dir, user="alice")
        window.resize(*SIZE)
        QTest.qWaitForWindowExposed(window)
        window.show_document(doc)
        view = window.view
        view.finish_styling()
        count = len(window.assist.overlay.suggestions)
        # The current suggestion (Tab): the first after "Blinken will meet".
        start, _ = find(view.text, "Blinken will meet", 0)
        view.set_text_selection(start, start)
        QTest.keyClick(view, Qt.Key.Key_Tab)
        # Scrolled down to the end of the quotation, which is at the bottom.
        _, quote_end = find(view.text, "more resonance than usual", 0)
        view.set_text_selection(quote_end, quote_end)
        view.ensureCursorVisible()
        current = window.assist.overlay.current_suggestion
        window.statusBar().showMessage(
            f"{count} suggestions — current: {current.label} “{current.text}”: "
            "Enter accepts, Backspace rejects, Tab moves on"
            if current is not None
            else f"{count} suggestions"
        )
        for _ in range(5):
            app.processEvents()
        QTest.qWait(50)
        path = OUT / "suggestions.png"
        pixmap = window.grab()
        assert pixmap.save(str(path)), f"could not write {path}"
        print(f"wrote {path.relative_to(REPO)} ({pixmap.width()}x{pixmap.height()}), {count} shown")
        window.close()
        app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
