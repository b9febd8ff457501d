"""Edit → Preferences: your name, the text font, the theme, and project settings.

Two kinds of setting, kept where they belong:

* yours (name, font and size, theme) go to the user's settings file
  (annotator/ui/settings.py; never into a project folder);
* the project's (label colours, word snapping) are part of the project and are
  written back to its project.yaml with :func:`annotator.app.project.update_project`,
  so every annotator of the project sees the same colours.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QFont, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFontComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.ui import settings
from annotator.ui.plain import CHIP_TEXT, menu_text, plain_label
from annotator.ui.window_base import AnnotationWindow

if TYPE_CHECKING:
    from annotator.core.schema import LabelSchema

COLOR_BUTTONS = 40
"""Labels whose colour the dialog offers to change (the first ones of the schema)."""

THEME_NAMES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


@dataclass
class Preferences:
    name: str
    font_family: str
    font_size: int
    theme: str
    snap_to_words: bool | None = None
    """None: no project open."""
    colors: dict[str, str] = field(default_factory=dict)
    """Label name -> #rrggbb, for the open project."""


def current_preferences(window: AnnotationWindow) -> Preferences:
    font = window.view.font()
    project = window.project
    return Preferences(
        name=window.user,
        font_family=font.family(),
        font_size=font.pointSize(),
        theme=settings.theme(),
        snap_to_words=bool(project.setting("snap_to_words")) if project else None,
        colors={label.name: label.color for label in project.schema.labels} if project else {},
    )


class PreferencesDialog(QDialog):
    def __init__(self, window: AnnotationWindow) -> None:
        super().__init__(window)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences — Annotator")
        self.window_ = window
        start = current_preferences(window)
        self.colors = dict(start.colors)

        self.name_edit = QLineEdit(start.name)
        self.name_edit.setObjectName("prefName")
        self.font_combo = QFontComboBox()
        self.font_combo.setObjectName("prefFont")
        self.font_combo.setCurrentFont(QFont(start.font_family))
        self.size_spin = QSpinBox()
        self.size_spin.setObjectName("prefFontSize")
        self.size_spin.setRange(6, 48)
        self.size_spin.setSuffix(" pt")
        self.size_spin.setValue(start.font_size)
        self.theme_combo = QComboBox()
        self.theme_combo.setObjectName("prefTheme")
        for key, text in THEME_NAMES.items():
            self.theme_combo.addItem(text, key)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(start.theme)))

        you = QGroupBox("You (kept in your settings)")
        you_form = QFormLayout(you)
        you_form.addRow("Your name:", self.name_edit)
        you_form.addRow("Article font:", self.font_combo)
        you_form.addRow("Text size:", self.size_spin)
        you_form.addRow("Theme:", self.theme_combo)

        layout = QVBoxLayout(self)
        layout.addWidget(you)

        self.snap_check = QCheckBox(
            "Selections snap to whole words (hold Alt for exact characters)"
        )
        self.snap_check.setObjectName("prefSnap")
        self.color_buttons: dict[str, QPushButton] = {}
        project_box = QGroupBox(
            menu_text(f"This project: {window.project.name} (saved in project.yaml)")
            if window.project
            else "This project (open a project to change its settings)"
        )
        project_box.setObjectName("prefProjectBox")
        project_form = QFormLayout(project_box)
        project_form.addRow(self.snap_check)
        if start.snap_to_words is None:
            project_box.setEnabled(False)
        else:
            self.snap_check.setChecked(start.snap_to_words)
            project_form.addRow(QLabel("Label colours (click to change):"))
            # A schema may have thousands of labels: a button each would
            # freeze the dialog; the rest keep their colours from project.yaml.
            for name in list(self.colors)[:COLOR_BUTTONS]:
                button = QPushButton()
                button.setObjectName(f"prefColor:{name}")
                button.clicked.connect(lambda _=False, n=name: self._pick_color(n))
                self.color_buttons[name] = button
                project_form.addRow(plain_label(name), button)
                self._show_color(name)
            if len(self.colors) > COLOR_BUTTONS:
                more = len(self.colors) - COLOR_BUTTONS
                project_form.addRow(QLabel(f"{more:,} more labels: colours in project.yaml"))
        layout.addWidget(project_box)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("prefButtons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _show_color(self, name: str) -> None:
        color = self.colors[name]
        pixmap = QPixmap(28, 14)
        pixmap.fill(QColor(color))
        button = self.color_buttons[name]
        button.setIcon(QIcon(pixmap))
        button.setText(color)

    def _pick_color(self, name: str) -> None:
        chosen = self.choose_color(name, QColor(self.colors[name]))
        if chosen is not None:
            self.set_color(name, chosen)

    def choose_color(self, name: str, current: QColor) -> str | None:
        """Ask for a colour (tests replace it on the instance)."""
        color = QColorDialog.getColor(current, self, f"Colour of {name}")
        return color.name() if color.isValid() else None

    def set_color(self, name: str, color: str) -> None:
        self.colors[name] = QColor(color).name()
        self._show_color(name)

    def preferences(self) -> Preferences:
        return Preferences(
            name=self.name_edit.text().strip() or self.window_.user,
            font_family=self.font_combo.currentFont().family(),
            font_size=self.size_spin.value(),
            theme=str(self.theme_combo.currentData()),
            snap_to_words=self.snap_check.isChecked() if self.color_buttons else None,
            colors=dict(self.colors),
        )


def edit_preferences(window: AnnotationWindow) -> bool:
    """Show the dialog; apply and store the choices on OK. True when applied."""
    dialog = PreferencesDialog(window)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    if accepted:
        apply_preferences(window, dialog.preferences())
    dialog.deleteLater()
    return accepted


def apply_preferences(window: AnnotationWindow, chosen: Preferences) -> None:
    """Store the user's choices, write the project's to project.yaml, show both."""
    settings.set_font(chosen.font_family, chosen.font_size)
    settings.set_theme(chosen.theme)
    apply_font(window, chosen.font_family, chosen.font_size)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, chosen.theme)
    for shown in QApplication.topLevelWidgets():  # the compare windows' articles too
        apply_article_palette(shown)
    project_changed = _apply_project_settings(window, chosen)
    from annotator.core.model import name_problem

    refused = name_problem(chosen.name)
    if refused is not None and chosen.name != window.user:  # "gold" is no one's name
        window.statusBar().showMessage(f"Your name stays {window.user}: {refused}", 10000)
    elif chosen.name != window.user:
        settings.remember_user(chosen.name)
        window.user = chosen.name
        window.view.user = chosen.name
        if window.project is not None:
            window.open_project(window.project.directory)  # title, counts, "my spans"
            return
    if project_changed and window.document_id is not None:
        window.show_document(window.document_id)  # repaint the spans in the new colours


def _apply_project_settings(window: AnnotationWindow, chosen: Preferences) -> bool:
    from annotator.app.project import Project, update_project

    project = window.project
    if project is None or chosen.snap_to_words is None:
        return False
    snap = chosen.snap_to_words

    def recolor(schema: LabelSchema) -> LabelSchema:
        labels = tuple(
            replace(label, color=chosen.colors.get(label.name, label.color))
            for label in schema.labels
        )
        return replace(schema, labels=labels, _by_name={})

    snap_changed = snap != bool(project.setting("snap_to_words"))
    if recolor(project.schema) == project.schema and not snap_changed:
        return False

    def change(current: Project) -> None:  # project.yaml as it is now: keep others' labels
        current.schema = recolor(current.schema)
        current.settings["snap_to_words"] = snap

    update_project(project, change)
    window.view.set_schema(project.schema)
    window.view.snap = chosen.snap_to_words
    window.label_palette.set_schema(project.schema)
    return True


def apply_font(window: AnnotationWindow, family: str | None, size: int | None = None) -> None:
    font = QFont(window.view.font())
    if family:
        font.setFamily(family)
    window.view.setFont(font)
    window.view.set_font_size(size or font.pointSize())


def apply_user_preferences(window: AnnotationWindow) -> None:
    """At start-up: the stored font family (the size the window restores itself)."""
    family = settings.font_family()
    if family:
        apply_font(window, family)
    apply_article_palette(window)


# --- theme ---------------------------------------------------------------------

_ORIGINAL: dict[str, object] = {}


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2d30",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f2023",
        QPalette.ColorRole.AlternateBase: "#2b2d30",
        QPalette.ColorRole.ToolTipBase: "#2b2d30",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8a8a8a",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#36383c",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Link: "#8cb4e8",
        QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


def is_dark(app: QApplication) -> bool:
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: str) -> None:
    """Light or dark (Fusion style with an explicit palette), or the system's own."""
    if "style" not in _ORIGINAL:
        _ORIGINAL["style"] = app.style().name()
        _ORIGINAL["palette"] = QPalette(app.palette())
    if theme == "system":
        if app.style().name() != _ORIGINAL["style"]:
            app.setStyle(str(_ORIGINAL["style"]))
        palette = _ORIGINAL["palette"]
        assert isinstance(palette, QPalette)
        app.setPalette(palette)
        return
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())


def apply_article_palette(window: QWidget) -> None:
    """The article (a window's ``view``) stays black on white in a dark theme:
    label colours are pastel."""
    view = getattr(window, "view", None)
    app = QApplication.instance()
    if view is None or not isinstance(app, QApplication):
        return
    palette = QPalette(app.palette())
    if is_dark(app):
        palette.setColor(QPalette.ColorRole.Base, QColor("#fbfbf8"))
        palette.setColor(QPalette.ColorRole.Text, QColor(CHIP_TEXT))
    view.setPalette(palette)
    view.viewport().setAutoFillBackground(True)
