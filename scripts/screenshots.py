"""Screenshots of the real annotation window for the README and docs.

Run: ``.venv/bin/python scripts/screenshots.py`` (offscreen; no display needed).
Builds the window in-process on a copy of the sample project (the sample
itself is not touched), tags spans the way an analyst would through the
window's own edit path, and saves PNGs to docs/screenshots/.
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

from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.core.commands import (  # noqa: E402
    AddRelation,
    AddSpan,
    LinkNewEntity,
    SetAttributes,
    SetDocumentLabel,
    SetEntity,
    UpdateEntity,
)
from annotator.ui.main_window import MODE_ALL, MainWindow  # noqa: E402

OUT = REPO / "docs" / "screenshots"
SIZE = (1360, 820)


def tag(window: MainWindow, text: str, label: str, occurrence: int = 0, user: str = "") -> int:
    """Add a span over the n-th occurrence of ``text``; returns its id."""
    view = window.view
    start = -1
    for _ in range(occurrence + 1):
        start = view.text.index(text, start + 1)
    assert window.document_id is not None
    command = AddSpan(window.document_id, user or window.user, label, start, start + len(text))
    assert window.run(command), window.statusBar().currentMessage()
    assert command.span_id is not None
    return command.span_id


def settle(app: QApplication, window: MainWindow) -> None:
    window.view.finish_styling()
    for _ in range(5):
        app.processEvents()
    QTest.qWait(50)


def save(widget: object, name: str) -> Path:
    path = OUT / name
    pixmap = widget.grab()  # type: ignore[attr-defined]
    assert pixmap.save(str(path)), f"could not write {path}"
    print(f"wrote {path.relative_to(REPO)} ({pixmap.width()}x{pixmap.height()})")
    return path


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Settings and the project copy live in a throwaway place.
        os.environ["HOME"] = tmp
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / ".config")
        project = Path(tmp) / "sample"
        shutil.copytree(
            REPO / "projects" / "sample",
            project,
            ignore=shutil.ignore_patterns("*.sqlite*"),
        )
        # alice tags everything herself: without the sample's example layer,
        # which the window would show beside hers.
        config = project / "project.yaml"
        config.write_text(
            config.read_text(encoding="utf-8")
            .replace("seed_annotations: annotations.jsonl\n", "")
            .replace("show_all_annotators: true", "show_all_annotators: false"),
            encoding="utf-8",
        )
        from annotator.ui.app import ensure_application

        app = ensure_application()
        window = MainWindow(user="alice")
        window.resize(*SIZE)
        window.show()
        QTest.qWaitForWindowExposed(window)
        assert window.open_project(project)
        view = window.view

        tag(window, "Antony Blinken", "Person")
        tag(window, "Central Asia", "Location", 1)
        tag(window, "Russia", "Location")
        tag(window, "Ukraine", "Location", 0)
        tag(window, "Kazakhstan", "Location", 0)
        tag(window, "Uzbekistan", "Location", 0)
        tag(window, "Biden administration", "Organization")
        quote = tag(
            window,
            "Today I’m embarking on a trip to Kazakhstan, Uzbekistan, and India.",
            "Quote",
        )
        tag(window, "Kazakhstan", "Location", 1)
        tag(window, "Uzbekistan", "Location", 1)
        tag(window, "India", "Location", 0)
        speaker = tag(window, "Secretary Antony Blinken", "Person")
        window.run(AddRelation("alice", "speaker", quote, speaker))
        claim = tag(
            window,
            "The trip comes just days after the 24 February anniversary of the invasion of Ukraine",
            "Claim",
        )
        tag(window, "24 February anniversary of the invasion of Ukraine", "Event")
        tag(window, "Ukraine", "Location", 1)
        window.run(SetAttributes(view.spans[claim], "alice", attributes={"checkworthy": "yes"}))
        quote_span = view.spans[quote]
        window.run(SetAttributes(quote_span, "alice", attributes={"type": "direct"}))
        # A second annotator's work, for the "all annotators" view.
        tag(window, "Blinken", "Person", 1, user="bob")
        tag(window, "Kazakhstan and Uzbekistan", "Location", 0, user="bob")
        window.set_view_mode(window.mode_combo.mode)  # reload: bob's spans are not mine

        view.select_span(quote)
        view.verticalScrollBar().setValue(0)
        settle(app, window)
        save(window, "window.png")

        # Close-up of nested spans (Claim > Event > Location) and of a quote
        # with places inside it, in a larger font.
        size = view.font().pointSize()
        view.set_font_size(17)
        view.select_span(None)
        settle(app, window)
        view.scroll_to_span(quote)  # centred, so there is room above and below
        view.clear_text_selection()
        settle(app, window)
        first = view.char_rect(view.spans[quote].start)
        last = view.char_rect(view.spans[claim].end - 1)
        region = QRect(0, max(0, first.top() - 6), view.viewport().width(), 0)
        region.setBottom(last.bottom() + 1)
        path = OUT / "nested-spans.png"
        assert view.viewport().grab(region).save(str(path))
        print(f"wrote {path.relative_to(REPO)} ({region.width()}x{region.height()})")
        view.set_font_size(size)

        window.set_view_mode(MODE_ALL)
        view.verticalScrollBar().setValue(0)
        settle(app, window)
        point = view.char_rect(view.text.index("Antony Blinken") + 9).center()
        tip = view.tooltip_at(QPoint(point.x(), point.y()))
        window.statusBar().showMessage(f"Hover: {tip.replace(chr(10), ' | ')}")
        save(window, "all-annotators.png")

        # Who said what: the two mentions of Blinken as one entity, the article's labels.
        window.set_view_mode("mine")
        settle(app, window)
        speaker_span = view.spans[speaker]
        create = LinkNewEntity(speaker_span, "alice", "Antony Blinken", "Person")
        assert window.run(create) and create.entity is not None
        first = next(s for s in view.spans.values() if s.text == "Antony Blinken")
        window.run(SetEntity(first, "alice", create.entity.id, create.entity.name))
        window.run(
            UpdateEntity(
                create.entity, "alice", external_id="Q4498", aliases=["Blinken", "the Secretary"]
            )
        )
        russia = next(s for s in view.spans.values() if s.text == "Russia")
        assert window.run(LinkNewEntity(russia, "alice", "Russia", "Location"))
        for name, value in (("topic", "diplomacy"), ("checkworthy", "yes")):
            window.run(SetDocumentLabel(window.document_id, "alice", name, value))
        window.run(
            SetDocumentLabel(window.document_id, "alice", "regions", ["Central Asia", "South Asia"])
        )
        window.entities.dock.show()
        window.resizeDocks([window.entities.dock], [220], Qt.Orientation.Vertical)
        settle(app, window)
        window.entities.panel.select(create.entity.id)
        view.select_span(speaker)
        view.verticalScrollBar().setValue(0)
        settle(app, window)
        window.statusBar().clearMessage()
        save(window, "entities.png")

        save_split_quote(app, window)
        window.close()
        app.processEvents()
    return 0


def save_split_quote(app: QApplication, window: MainWindow) -> None:
    """Close-up of a quote in two pieces (the aside between them left out),
    selected, with its speaker: the pieces outlined, a dashed line under the gap."""
    view = window.view
    first = "Sometimes we just say those words, but they actually have real meaning"
    quote = tag(window, first, "Quote")
    second = "they have even more resonance than usual"
    start = view.text.index(second)
    window.span_edits.add_piece(quote, start, start + len(second))
    speaker = tag(window, "Blinken", "Person", view.text[:start].count("Blinken"))
    window.run(AddRelation("alice", "speaker", quote, speaker))
    size = view.font().pointSize()
    view.set_font_size(15)
    view.select_span(quote, scroll=True)
    view.clear_text_selection()
    settle(app, window)
    top = view.char_rect(view.spans[quote].start)
    bottom = view.char_rect(view.spans[speaker].end - 1)
    region = QRect(0, max(0, top.top() - 6), view.viewport().width(), 0)
    region.setBottom(bottom.bottom() + 2)
    path = OUT / "split-span.png"
    assert view.viewport().grab(region).save(str(path))
    print(f"wrote {path.relative_to(REPO)} ({region.width()}x{region.height()})")
    view.set_font_size(size)


if __name__ == "__main__":
    raise SystemExit(main())
