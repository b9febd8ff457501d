"""A window's preferences are written onto project.yaml as it is now: labels another
program added since the window read it stay."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from annotator.core.schema import LabelSchema
from annotator.io.project import load_project, update_schema
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import apply_preferences, current_preferences


def test_new_colours_keep_a_label_an_import_added_meanwhile(
    window: MainWindow, project: Path
) -> None:
    def add_venue(schema: LabelSchema) -> LabelSchema:
        return schema.with_labels(["Venue"])

    update_schema(load_project(project), add_venue)  # bob's `import --add-labels`
    chosen = current_preferences(window)
    colors = dict(chosen.colors, Person="#123456")
    apply_preferences(window, replace(chosen, colors=colors, snap_to_words=False))
    on_disk = load_project(project)
    assert "Venue" in on_disk.schema.label_names  # not undone by the window's older copy
    person = on_disk.schema.label("Person")
    assert person is not None and person.color == "#123456"
    assert on_disk.setting("snap_to_words") is False
    assert window.project is not None and "Venue" in window.project.schema.label_names
