"""Screenshot of compare mode for the docs, from the real widgets.

Run: ``.venv/bin/python scripts/screenshot_review.py`` (offscreen; no display
needed). Works on a copy of the sample project (the sample itself is not
touched): two annotators tag the Blinken article with a few disagreements,
rita (a reviewer) opens compare mode, accepts the agreed spans and decides
two items with the window's own keys, and the window is saved to
docs/screenshots/compare.png.
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

from annotator.io.project import load_project, save_project  # noqa: E402
from annotator.store import repository, review  # noqa: E402

OUT = REPO / "docs" / "screenshots"
SIZE = (1360, 820)

# (annotator, label, text, occurrence)
TAGS = [
    ("alice", "Person", "Antony Blinken", 0),
    ("bob", "Person", "Antony Blinken", 0),
    ("alice", "Location", "Central Asia", 1),
    ("bob", "Location", "Central Asia", 1),
    ("alice", "Event", "Russia’s invasion of Ukraine", 0),
    ("bob", "Event", "first anniversary of Russia’s invasion of Ukraine", 0),
    ("alice", "Location", "Kazakhstan", 0),
    ("bob", "Location", "Kazakhstan", 0),
    ("alice", "Location", "Uzbekistan", 0),
    ("bob", "Location", "Uzbekistan", 0),
    ("alice", "Organization", "Biden administration", 0),
    ("bob", "Person", "Biden", 0),
    ("alice", "Claim", "Blinken’s visit to the capitals of Kazakhstan and Uzbekistan is his "
     "first to the region as the Biden administration’s top diplomat", 0),
    ("bob", "Quote", "Today I’m embarking on a trip to Kazakhstan, Uzbekistan, and India.", 0),
    ("alice", "Quote", "Today I’m embarking on a trip to Kazakhstan, Uzbekistan, and India.", 0),
    ("alice", "Location", "India", 0),
    ("bob", "Location", "India", 0),
    ("bob", "Location", "Moscow", 0),
    ("alice", "Location", "Moscow", 0),
    ("alice", "Location", "Kyrgyzstan", 0),
    ("bob", "Location", "Kyrgyzstan", 0),
    ("bob", "Organization", "Tajikistan", 0),
    ("alice", "Location", "Tajikistan", 0),
    ("bob", "Location", "Turkmenistan", 0),
]  # fmt: skip


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
        project = load_project(project_dir)
        project.annotators = ["alice", "bob"]
        project.reviewers = ["rita"]
        save_project(project)
        db = load_project(project_dir).open_database()
        try:
            with db.session() as session:
                doc = next(d.id for d in repository.list_documents(session) if "Blinken" in d.title)
                text = repository.document_text(session, doc)
                for who, label, needle, occurrence in TAGS:
                    repository.add_span(session, doc, who, label, *find(text, needle, occurrence))
                claim = next(
                    s for s in repository.list_spans(session, doc, ["alice"]) if s.label == "Claim"
                )
                first = review.add_comment(
                    session,
                    doc,
                    "bob",
                    "Is this a claim? It reads as plain fact.",
                    span_id=claim.id,
                )
                review.add_comment(
                    session, doc, "alice", "It can be checked: first visit to the region.",
                    reply_to=first.id,
                )  # fmt: skip
        finally:
            db.close()

        from annotator.ui.app import ensure_application
        from annotator.ui.review import open_compare

        app = ensure_application()
        window = open_compare(project_dir, "rita", doc, "alice", "bob")
        window.resize(*SIZE)
        QTest.qWaitForWindowExposed(window)
        view = window.view
        window.accept_agreed()
        QTest.keyClick(view, Qt.Key.Key_N)  # the Event: bob's is longer
        QTest.keyClick(view, Qt.Key.Key_B)
        QTest.keyClick(view, Qt.Key.Key_N)  # Biden administration / Biden
        QTest.keyClick(view, Qt.Key.Key_A)
        # Leave the Claim (only in A) current, with its comment beside it.
        claim = next(n for n, item in enumerate(window.items) if item.spans[0].label == "Claim")
        window.set_current(claim)
        view.verticalScrollBar().setValue(0)
        for _ in range(5):
            app.processEvents()
        QTest.qWait(50)
        path = OUT / "compare.png"
        pixmap = window.grab()
        assert pixmap.save(str(path)), f"could not write {path}"
        print(f"wrote {path.relative_to(REPO)} ({pixmap.width()}x{pixmap.height()})")
        window.close()
        app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
