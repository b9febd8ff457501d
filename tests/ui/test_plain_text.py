"""Text is data, never markup: titles, span text, names, labels, descriptions,
comments and paths that look like HTML show as exactly their characters in
every widget (issue 12).

Qt guesses the format of labels, tooltips and message boxes
(``Qt::mightBeRichText``): a text that starts with a tag is rendered as HTML.
Each test reads what a widget holds and renders it the way that widget does
(:func:`shown`), then checks the literal characters are there and no heading
or image was made of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from PySide6 import QtGui
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QGroupBox,
    QLabel,
    QMenu,
    QMessageBox,
    QToolTip,
    QWidget,
)
from pytestqt.qtbot import QtBot

from annotator.core.model import DocStatus, DocumentDraft
from annotator.io.project import create_project, load_project
from annotator.store import repository, review
from annotator.ui import open_window
from annotator.ui.main_window import MainWindow

from .conftest import OFFSCREEN_NOISE, point_in

TITLE = "<h1>Title</h1><img src=title.png> & [*]"
SPAN = "<h2>Said</h2><img src=span.png>"
USER = "<i>Ann</i> &lt;b&gt;"
OTHER = "<u>Bob</u><img src=bob.png>"
REVIEWER = "<h5>Rita</h5>"
LABEL = "<h3>Quote</h3><img src=label.png> Q&A"
DESCRIPTION = "<b>Said</b> by someone <img src=description.png>"
ATTRIBUTE = "<i>kind</i>"
ATTRIBUTE_DESCRIPTION = "<b>which</b> kind <img src=attribute.png>"
RELATION = "<em>speaker</em> & co"
NOTE = "<b>note</b><img src=note.png>"
COMMENT = "<s>Check</s> this <img src=comment.png>"
PROJECT = "<h4>Team</h4> & [*]"
SOURCE = "<a href='x'>source</a><img src=source.png>"

TEXT = (
    f"{SPAN} said Antony Blinken on Tuesday.\n\n"
    "Officials of R&D met in Astana, a &amp; b.\n\n"
    "“We are here to listen to everyone,” the minister Mukhtar Tileuberdi said.\n"
)


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def shown(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> QTextDocument:
    """``text`` laid out as a widget with ``text_format`` lays it out (labels,
    tooltips and message boxes guess with Qt::mightBeRichText)."""
    document = QTextDocument()
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
    )
    if rich:
        document.setHtml(text)
    else:
        document.setPlainText(text)
    return document


def assert_shows(text: str | QLabel, expected: str, *, headings: bool = False) -> None:
    """What a label (or a tooltip, a message) shows holds ``expected`` as it is:
    no heading (unless the program's own), image or link made of it."""
    if isinstance(text, QLabel):
        document = shown(text.text(), text.textFormat())
        where = f"label {text.objectName() or text.text()!r}"
    else:
        document = shown(text)
        where = repr(text)
    plain = document.toPlainText().replace("\u00a0", " ")
    assert expected in plain, f"{where} shows {plain!r}, not {expected!r}"
    block = document.begin()
    while block.isValid():
        assert headings or block.blockFormat().headingLevel() == 0, f"{where} makes a heading"
        fragments = block.begin()
        while not fragments.atEnd():
            fmt = fragments.fragment().charFormat()
            assert not fmt.isImageFormat(), f"{where} shows an image"
            assert not fmt.isAnchor(), f"{where} makes a link"
            fragments += 1
        block = block.next()


def stripped(text: str) -> str:
    """An action's or a button's text as shown: ``&x`` is a mnemonic, ``&&`` an ``&``."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "&" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def schema() -> dict[str, object]:
    return {
        "labels": [
            {
                "name": LABEL,
                "kind": "quote",
                "color": "#8cb4e8",
                "key": "q",
                "description": DESCRIPTION,
                "attributes": [
                    {
                        "name": ATTRIBUTE,
                        "values": ["direct", "indirect"],
                        "description": ATTRIBUTE_DESCRIPTION,
                    }
                ],
            },
            {"name": "Person", "kind": "entity", "color": "#f28e9b", "key": "p"},
        ],
        "relations": [{"name": RELATION, "from": [LABEL], "to": ["Person"]}],
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose every name, title and text looks like HTML."""
    directory = tmp_path / "project"
    create_project(directory)
    config = directory / "project.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.update(name=PROJECT, schema=schema(), annotators=[USER, OTHER], reviewers=[REVIEWER])
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    db = load_project(directory).open_database()
    try:
        with db.session() as session:
            (doc,) = repository.insert_documents(
                session, [DocumentDraft(TEXT, title=TITLE, source=SOURCE)]
            )
            assert doc == 1
            quote = repository.add_span(
                session, 1, USER, LABEL, *at(SPAN), attributes={ATTRIBUTE: "direct"}, note=NOTE
            )
            person = repository.add_span(session, 1, USER, "Person", *at("Antony Blinken"))
            repository.add_relation(session, USER, RELATION, quote.id, person.id)
            repository.add_span(session, 1, OTHER, LABEL, *at(SPAN))
            repository.add_span(session, 1, OTHER, "Person", *at("Blinken"))
            repository.add_span(session, 1, OTHER, "Person", *at("Astana"))
            repository.set_status(session, 1, OTHER, DocStatus.DONE)
            review.assign(session, [1], USER)
            review.add_comment(session, 1, OTHER, COMMENT, span_id=quote.id)
    finally:
        db.close()
    return directory


@pytest.fixture
def window(qtbot: QtBot, project: Path) -> Iterator[MainWindow]:
    win = open_window(project, user=USER)
    qtbot.addWidget(win)
    qtbot.waitExposed(win)
    win.view.finish_styling()
    yield win
    win.close()


def select_quote(window: MainWindow) -> None:
    quote = next(s for s in window.view.spans.values() if s.label == LABEL)
    window.view.select_span(quote.id)
    assert window.details.span is not None and window.details.span.id == quote.id


# --- the main window --------------------------------------------------------


def test_window_title(window: MainWindow) -> None:
    handle = window.windowHandle()
    assert handle is not None
    assert handle.title() == f"{TITLE} — {PROJECT} — Annotator ({USER})"


def test_document_list(window: MainWindow) -> None:
    item = window.documents.tree.topLevelItem(0)
    assert item is not None
    assert item.text(0) == TITLE
    # Assigned to the user: the tooltip says so, then names the source.
    tip = item.toolTip(0)
    assert_shows(tip, SOURCE)
    assert_shows(tip, "Assigned to you")


def test_label_palette(window: MainWindow) -> None:
    item = window.label_palette.item_for(LABEL)
    assert item is not None
    assert item.text().startswith(LABEL)
    assert_shows(item.toolTip(), DESCRIPTION)


def test_span_list(window: MainWindow) -> None:
    model = window.span_model
    row = next(r for r, s in enumerate(model.spans()) if s.label == LABEL)
    assert model.data(model.index(row, 0)) == LABEL
    assert model.data(model.index(row, 1)) == SPAN
    assert model.data(model.index(row, 3)) == USER
    assert_shows(model.data(model.index(row, 1), Qt.ItemDataRole.ToolTipRole), SPAN)


def test_details_panel(window: MainWindow) -> None:
    select_quote(window)
    details = window.details
    assert_shows(details.title, LABEL)
    assert_shows(details.text, SPAN)
    assert_shows(details.meta, USER)
    form = details.attributes_form
    assert form.rowCount() == 1
    name = form.itemAt(0, QFormLayout.ItemRole.LabelRole).widget()
    assert isinstance(name, QLabel)
    assert_shows(name, ATTRIBUTE)
    field = form.itemAt(0, QFormLayout.ItemRole.FieldRole).widget()
    assert isinstance(field, QWidget)
    assert_shows(field.toolTip(), ATTRIBUTE_DESCRIPTION)
    assert details.note.text() == NOTE
    link = details.relations.item(0)
    assert link.text() == f"{RELATION} → Person: Antony Blinken"


def test_article_tooltip(qtbot: QtBot, window: MainWindow) -> None:
    view = window.view
    point = point_in(view, at(SPAN)[0] + 3)
    event = QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
    view.viewportEvent(event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert_shows(QToolTip.text(), f"{LABEL} — {USER}: {NOTE}")
    QToolTip.hideText()


def test_article_context_menu(window: MainWindow) -> None:
    select_quote(window)
    view = window.view
    menu = view.build_context_menu(point_in(view, at(SPAN)[0] + 3))
    texts = []
    for action in menu.actions():
        texts.append(stripped(action.text()))
        sub = action.menu()
        if isinstance(sub, QMenu):
            texts.append(stripped(sub.title()))
            texts.extend(stripped(a.text()) for a in sub.actions())
    assert f"Relabel {LABEL} as" in texts
    assert f"Delete {LABEL}\tDel" in texts
    menu.deleteLater()


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE, "This plugin does not support grabbing")
def test_relation_type_menu(window: MainWindow) -> None:
    seen: list[str] = []

    def look() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMenu) and widget.isVisible():
                seen.extend(stripped(a.text()) for a in widget.actions())
                widget.close()
                return
        QTimer.singleShot(20, look)

    QTimer.singleShot(0, look)
    assert window.project is not None
    relation_type = window.project.schema.relations[0]
    target = next(s for s in window.view.spans.values() if s.label == "Person")
    assert window.choose_relation_type([relation_type, relation_type], target) is None
    assert seen == [RELATION, RELATION]


def test_message_boxes(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: said.append(text))
    window._show_problem("Cannot open the project", f"{TITLE}: not a project")
    assert len(said) == 1
    assert_shows(said[0], f"{TITLE}: not a project")


def test_recent_projects_menu(window: MainWindow, tmp_path: Path) -> None:
    from annotator.ui import settings

    folder = tmp_path / "R&D <b>x"
    folder.mkdir()
    settings.remember_project(folder)
    window._fill_recent_menu()
    texts = [stripped(a.text()) for a in window.recent_menu.actions()]
    assert str(folder) in texts


def test_preferences(qtbot: QtBot, window: MainWindow) -> None:
    from annotator.ui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window)
    qtbot.addWidget(dialog)
    box = dialog.findChild(QGroupBox, "prefProjectBox")
    assert box is not None
    assert PROJECT in stripped(box.title())
    button = dialog.color_buttons[LABEL]
    form = box.layout()
    assert isinstance(form, QFormLayout)
    row, _role = form.getWidgetPosition(button)
    name = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
    assert isinstance(name, QLabel)
    assert_shows(name, LABEL)


# --- the other widgets of the main window -----------------------------------


def test_project_search(qtbot: QtBot, window: MainWindow) -> None:
    from annotator.ui.search_dialog import HTML_ROLE

    dialog = window.assist.open_search()
    assert dialog is not None
    dialog.field.setText("said")
    dialog.run_search()
    item = dialog.results.topLevelItem(0)
    assert item is not None
    assert item.text(0) == TITLE
    assert_shows(item.toolTip(1), SPAN)
    context = shown(str(item.data(1, HTML_ROLE)), Qt.TextFormat.RichText).toPlainText()
    assert SPAN in context
    dialog.close()


def annotate_all(window: MainWindow, query: str) -> QWidget:
    bar = window.assist.find_bar
    bar.open_bar()
    bar.field.setText(query)
    dialog = window.assist.annotate_from_find_bar()
    assert dialog is not None
    return dialog


@pytest.mark.parametrize("query", [SPAN, "R&D", "a &amp; b"])
def test_annotate_all_matches_names_the_query(window: MainWindow, query: str) -> None:
    dialog = annotate_all(window, query)
    (said,) = [
        label
        for label in dialog.findChildren(QLabel)
        if label.text().startswith("“") or label.text().startswith("<")
    ] or [None]
    assert isinstance(said, QLabel)
    assert_shows(said, f"“{query}”")
    dialog.close()


def test_annotate_all_preview_names_the_label(window: MainWindow) -> None:
    from annotator.ui.search_dialog import AnnotateAllDialog

    dialog = annotate_all(window, SPAN)
    assert isinstance(dialog, AnnotateAllDialog)
    dialog.label_combo.setCurrentText(LABEL)
    assert_shows(dialog.preview, f"(1 already {LABEL})")
    dialog.close()


def test_find_bar_problem(window: MainWindow) -> None:
    bar = window.assist.find_bar
    bar.open_bar()
    bar.regex_box.setChecked(True)
    bar.field.setText("(?P=<b>)")
    bar.update_matches()
    assert bar.count_label.text() == "bad pattern"
    assert_shows(bar.count_label.toolTip(), "bad character in group name '<b>'")


def test_unsaved_edits_bar(qtbot: QtBot, window: MainWindow) -> None:
    from annotator.core import commands
    from annotator.ui.save_guard import UnsavedEdits

    reason = "<b>disk</b> full <img src=reason.png>"
    bar = UnsavedEdits(lambda _command: reason)
    qtbot.addWidget(bar)
    bar.keep(commands.AddSpan(1, USER, LABEL, 0, 4, editor=USER), reason)
    assert_shows(bar.message, f"({reason}): Add {LABEL}.")


def test_about_box(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from annotator.app.workspace import Workspace
    from annotator.ui.help import about_text

    directory = tmp_path / "<b>R&D<img src=folder.png> &amp;"
    create_project(directory)
    workspace = Workspace.open(directory)  # the window reads the database's place from it
    try:
        text = about_text(SimpleNamespace(workspace=workspace))  # type: ignore[arg-type]
    finally:
        workspace.close()
    assert_shows(text, str(directory / "annotator.sqlite"), headings=True)


# --- review: compare mode, comments, report, dashboard -------------------------


@pytest.fixture
def compare(qtbot: QtBot, project: Path) -> Iterator[QWidget]:
    from annotator.ui.review import open_compare

    win = open_compare(project, REVIEWER, 1, USER, OTHER)
    qtbot.addWidget(win)
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_compare_header_and_title(compare: QWidget) -> None:
    from annotator.ui.review.compare_window import CompareWindow

    assert isinstance(compare, CompareWindow)
    for value in (TITLE, f"A = {USER}", f"B = {OTHER}", f"{REVIEWER} decides"):
        assert_shows(compare.header, value)
    handle = compare.windowHandle()
    assert handle is not None
    assert handle.title() == f"Compare {USER} and {OTHER} — {TITLE}"


def test_compare_item_details_and_list(compare: QWidget) -> None:
    from annotator.ui.review.compare_window import CompareWindow

    assert isinstance(compare, CompareWindow)
    same = next(n for n, item in enumerate(compare.items) if item.a and item.a.label == LABEL)
    compare.set_current(same)
    assert_shows(compare.detail, f"A {USER}: {LABEL} [0–31] “{SPAN}”")
    assert_shows(compare.detail, f"B {OTHER}: {LABEL}")
    rows = [compare.list.item(n).text() for n in range(compare.list.count())]
    assert any("Person" in row for row in rows)
    # The comments on the span: the panel's title names it, the thread shows the text.
    panel = compare.comments
    assert_shows(panel.title, f"Comments on {USER}'s {LABEL} “{SPAN[:20]}")
    thread = panel.tree.topLevelItem(0)
    assert thread is not None
    assert thread.text(0).startswith(f"{OTHER}, ")
    assert thread.text(0).endswith(COMMENT)
    assert_shows(thread.toolTip(0), COMMENT)


def test_compare_text_tooltip(qtbot: QtBot, compare: QWidget) -> None:
    from annotator.ui.review.compare_window import CompareWindow

    assert isinstance(compare, CompareWindow)
    view = compare.view
    rect = view.char_rect(at(SPAN)[0] + 3)
    point = rect.center()
    event = QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
    view.viewportEvent(event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert_shows(QToolTip.text(), f"A ({USER}): {LABEL} {SPAN!r}")
    QToolTip.hideText()


def test_comment_problem(qtbot: QtBot, project: Path) -> None:
    from annotator.ui.review.comments import CommentsPanel

    db = load_project(project).open_database()
    try:
        panel = CommentsPanel(db, OTHER)
        qtbot.addWidget(panel)
        panel.set_target(1)
        panel.input.setText(COMMENT)
        assert panel.post()
        thread = panel.tree.topLevelItem(panel.tree.topLevelItemCount() - 1)
        assert thread is not None and thread.text(0).endswith(COMMENT)
        assert_shows(thread.toolTip(0), COMMENT)
        assert_shows(panel.title, "Comments on document 1")
        assert_shows(panel.message, "")
    finally:
        db.close()


def test_agreement_report(qtbot: QtBot, project: Path) -> None:
    from annotator.ui.review.report import AgreementReportWidget

    db = load_project(project).open_database()
    try:
        report = AgreementReportWidget.from_database(db, [USER, OTHER])
    finally:
        db.close()
    assert report is not None
    qtbot.addWidget(report)
    assert_shows(report.summary, f"Agreement of {USER}, {OTHER} over 1 documents")
    pair = report.pair_table.item(0, 0)
    assert pair is not None and pair.text() == f"{USER} / {OTHER}"
    labels = [report.label_table.item(r, 0).text() for r in range(report.label_table.rowCount())]
    assert LABEL in labels
    title = report.document_table.model().index(0, 1).data()
    assert title == TITLE
    assert report.heatmap.annotators == [USER, OTHER]


def test_progress_dashboard(qtbot: QtBot, project: Path) -> None:
    from annotator.ui.review import open_progress

    dashboard = open_progress(project)
    qtbot.addWidget(dashboard)
    qtbot.waitExposed(dashboard)
    handle = dashboard.windowHandle()
    assert handle is not None
    assert handle.title() == f"Progress — {PROJECT}"
    assert_shows(dashboard.summary, "1 documents")
    names = [bar.name for bar in dashboard.documents_chart.data.bars]
    assert USER in names and OTHER in names
    assert LABEL in dict(dashboard.labels_chart.data.legend)
    dashboard.close()


# --- the welcome screen -------------------------------------------------------


def test_welcome_recent_projects(qtbot: QtBot, tmp_path: Path) -> None:
    from annotator.ui import settings
    from annotator.ui.welcome import WelcomeScreen

    folder = tmp_path / "<b>R&D<img src=x> &amp;"
    folder.mkdir()
    settings.remember_project(folder)
    screen = WelcomeScreen()
    qtbot.addWidget(screen)
    item = screen.recent.item(0)
    assert item.text() == f"{folder.name}\n{folder}"
    assert_shows(item.toolTip(), str(folder))


def test_welcome_problem(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.ui.welcome import WelcomeScreen

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: said.append(text))
    screen = WelcomeScreen()
    qtbot.addWidget(screen)
    screen.show()
    screen._problem("Cannot open", f"{TITLE} is not a project")
    assert len(said) == 1
    assert_shows(said[0], f"{TITLE} is not a project")


def test_undo_and_redo_actions(window: MainWindow) -> None:
    window.view.set_text_selection(*at("Astana"))
    window.view.tag_selection(LABEL)
    assert stripped(window.undo_action.text()) == f"Undo Add {LABEL}"
    window.undo_stack.undo()
    assert stripped(window.redo_action.text()) == f"Redo Add {LABEL}"


def test_suggestion_tooltip_and_menu(qtbot: QtBot, window: MainWindow) -> None:
    view = window.view
    (s,) = window.assist.overlay.suggestions
    assert s.label == LABEL
    view.set_text_selection(s.start, s.start)
    view.centerCursor()
    point = point_in(view, s.start + 3)
    event = QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
    view.viewportEvent(event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert_shows(QToolTip.text(), f"Suggested {LABEL}")
    QToolTip.hideText()
    menu = view.build_context_menu(point)
    texts = [stripped(a.text()) for a in menu.actions()]
    assert texts[:2] == [f"Accept suggested {LABEL}", f"Reject suggested {LABEL}"]
    menu.deleteLater()
